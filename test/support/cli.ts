import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../src/store/nats-server.js";
import type { TestApp } from "./app.js";
import { tempDir } from "./nats.js";

const run = promisify(execFile);

/** What `secret-ledger …` did: its exit code and its output. */
export type CliRun = { readonly code: number; readonly out: string; readonly err: string };

/** The built command line, as `./secret-ledger` runs it (bundled: scripts/bundle.mjs). */
export const cliPath = (): string => join(projectRoot(), "dist", "bundle", "cli.js");

/**
 * The environment of `secret-ledger` run as an operator would beside the app: the app's region, account, keyring
 * and nats-server, a data directory of its own. `env` adds to that or overrides it (another NATS_URL, AWS
 * credentials).
 */
export const cliEnv = (app: TestApp, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env["PATH"] ?? "",
  NATS_URL: app.natsUrl,
  SECRET_LEDGER_REGION: app.config.region,
  SECRET_LEDGER_ACCOUNT: app.config.account,
  SECRET_LEDGER_DATA: tempDir("cli"),
  SECRET_LEDGER_KEYRING: app.config.keyringFile,
  ...env,
});

/** Runs `secret-ledger <args>` in `cliEnv`. Never rejects: a failing command is an exit code to assert on. */
export const secretLedger = (app: TestApp, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
  run(process.execPath, [cliPath(), ...args], { env: cliEnv(app, env), timeout: 60_000 }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );
