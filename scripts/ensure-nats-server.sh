#!/usr/bin/env bash
# Makes sure .nats-server/nats-server is a nats-server >= 2.10 (2.9 lacks fsync-always, breaks
# expected-sequence on R3 clusters and stalls sourced streams). Order: $SECRET_LEDGER_NATS_SERVER, the one
# already in .nats-server/, one on PATH; otherwise Debian's own package is downloaded from the archive and
# unpacked here, with a private apt state directory: nothing is installed and the system's apt sources are
# not touched.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=.nats-server
MIN_MINOR=10

suitable() { # prints the version and succeeds when $1 runs and is >= 2.10
  local v
  v=$("$1" --version 2>/dev/null | sed -n 's/^nats-server: v\([0-9.]*\).*/\1/p') || return 1
  [ -n "$v" ] || return 1
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%.*}
  if [ "$major" -gt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -ge "$MIN_MINOR" ]; }; then echo "$v"; return 0; fi
  return 1
}

use() { # links $1 into .nats-server/nats-server
  mkdir -p "$DEST"
  if [ "$(readlink -f "$1")" != "$(readlink -f "$DEST/nats-server" 2>/dev/null || true)" ]; then
    ln -sf "$(readlink -f "$1")" "$DEST/nats-server"
  fi
}

if [ -n "${SECRET_LEDGER_NATS_SERVER:-}" ]; then
  if v=$(suitable "$SECRET_LEDGER_NATS_SERVER"); then echo "nats-server $v ($SECRET_LEDGER_NATS_SERVER)"; exit 0; fi
  echo "SECRET_LEDGER_NATS_SERVER=$SECRET_LEDGER_NATS_SERVER is not a nats-server >= 2.$MIN_MINOR" >&2
  exit 1
fi
if [ -x "$DEST/nats-server" ] && v=$(suitable "$DEST/nats-server"); then exit 0; fi
if command -v nats-server >/dev/null 2>&1 && v=$(suitable "$(command -v nats-server)"); then
  use "$(command -v nats-server)"
  echo "nats-server $v from PATH"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
  cat >&2 <<MSG
secret-ledger needs nats-server 2.10 or newer and found none.
Install it (https://docs.nats.io/running-a-nats-service/introduction/installation) and either put it on
PATH or set SECRET_LEDGER_NATS_SERVER=/path/to/nats-server, then run this command again.
MSG
  exit 1
fi

# Debian trixie ships 2.10.x; its binary only needs libc6 >= 2.34, which bookworm has.
SUITE=${SECRET_LEDGER_NATS_SUITE:-trixie}
echo "fetching nats-server from Debian $SUITE into $DEST/ (nothing is installed system-wide)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/etc" "$work/lists/partial" "$work/cache/archives/partial" "$work/x" "$DEST"
cat >"$work/etc/extra.sources" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: $SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts="$work/etc" -o Dir::State::Lists="$work/lists"
  -o Dir::State::status=/dev/null -o Dir::Cache="$work/cache" -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update -qq
version=$(apt-cache "${apt_opts[@]}" policy nats-server | awk '/Candidate:/{print $2}')
(cd "$work" && apt-get "${apt_opts[@]}" download "nats-server=$version" -qq)
dpkg-deb -x "$work"/nats-server_*.deb "$work/x"
rm -f "$DEST/nats-server"
install -m 0755 "$work/x/usr/sbin/nats-server" "$DEST/nats-server"
if ! v=$(suitable "$DEST/nats-server"); then
  echo "the downloaded nats-server ($version) does not run here or is older than 2.$MIN_MINOR" >&2
  exit 1
fi
echo "nats-server $v installed in $DEST/"
