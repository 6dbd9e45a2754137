#!/usr/bin/env bash
# The AWS CLI for the end-to-end smoke tests: one on PATH, else Debian's awscli package (as root, with apt).
# Where neither can be had, the reason goes to .aws-cli-unavailable and the CLI tests print it as a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -f .aws-cli-unavailable
if command -v aws >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's awscli for the CLI tests"
  if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli; } >/dev/null 2>&1 &&
    command -v aws >/dev/null 2>&1; then
    exit 0
  fi
  echo "apt-get could not install awscli" >.aws-cli-unavailable
else
  echo "no aws on PATH, and installing Debian's awscli needs root and apt-get" >.aws-cli-unavailable
fi
echo "AWS CLI tests will be skipped: $(cat .aws-cli-unavailable)"
exit 0
