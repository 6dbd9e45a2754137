import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../src/store/nats-server.js";
import type { TestApp } from "./app.js";

const run = promisify(execFile);

/** Why the AWS CLI cannot be had here (scripts/ensure-aws-cli.sh wrote it), or undefined when it can. */
export const awsCliUnavailable = (): string | undefined => {
  const reason = join(projectRoot(), ".aws-cli-unavailable");
  return existsSync(reason) ? readFileSync(reason, "utf8").trim() : undefined;
};

/**
 * Runs `aws secretsmanager …` against the app with its credentials (or `as`'s) and nothing from the user's
 * config.
 */
export const awsCli = (
  app: TestApp,
  as: { readonly accessKeyId: string; readonly secretAccessKey: string } = app.credentials,
) => {
  const env = {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? "/tmp",
    AWS_ACCESS_KEY_ID: as.accessKeyId,
    AWS_SECRET_ACCESS_KEY: as.secretAccessKey,
    AWS_DEFAULT_REGION: app.config.region,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const raw = (...args: string[]) =>
    run("aws", ["--endpoint-url", app.endpoint, "--output", "json", "secretsmanager", ...args], { env });
  return {
    /** The parsed JSON output (`{}` for an operation without output). */
    json: async (...args: string[]): Promise<Record<string, unknown>> => {
      const { stdout } = await raw(...args);
      return stdout.trim() === "" ? {} : (JSON.parse(stdout) as Record<string, unknown>);
    },
    /** The error text of a call that must fail. */
    failure: (...args: string[]): Promise<string> =>
      raw(...args).then(
        () => "",
        (e: { stderr: string }) => e.stderr,
      ),
  };
};
