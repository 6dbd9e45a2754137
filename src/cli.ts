#!/usr/bin/env node
// secret-ledger's command line: `secret-ledger compact [--dry-run]` runs the compactor once against the log
// (NATS_URL, or the data directory's own nats-server when no service is running on it) and reports.
import * as E from "fp-ts/lib/Either.js";
import { parseArgs } from "node:util";
import { startApp } from "./app.js";
import { loadConfig } from "./config.js";

const USAGE = "usage: secret-ledger compact [--dry-run]\n";

const main = async (): Promise<number> => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { "dry-run": { type: "boolean" }, help: { type: "boolean" } },
  });
  if (values.help === true || positionals[0] !== "compact" || positionals.length !== 1) {
    process.stderr.write(USAGE);
    return values.help === true ? 0 : 2;
  }
  const config = loadConfig(process.env);
  if (E.isLeft(config)) {
    process.stderr.write(`secret-ledger: configuration error: ${config.left}\n`);
    return 2;
  }
  // Only the compactor is wanted: the API listens on a free loopback port for the few moments this runs.
  const app = await startApp(
    { ...config.right, listen: { host: "127.0.0.1", port: 0 } },
    { logger: (line) => process.stderr.write(JSON.stringify(line) + "\n") },
  );
  try {
    const dryRun = values["dry-run"] === true;
    const report = await app.compact({ dryRun });
    await app.whenKeysShredded();
    process.stdout.write(
      `${dryRun ? "would prune" : "pruned"} ${report.versionsPruned} version(s) of ${report.secretsPruned} secret(s)\n`,
    );
    return 0;
  } finally {
    await app.stop();
  }
};

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`secret-ledger: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
