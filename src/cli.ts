#!/usr/bin/env node
// secret-ledger's command line, with the service's configuration (SECRET_LEDGER_*, NATS_URL):
//   compact [--dry-run]            runs the compactor once against the log and reports
//   keys list|create|rotate|disable|enable   manages the keyring (the master keys)
//   history <secret-id> [--json]   the secret's whole timeline from the log
//   state --at <time | seq> [--secret <id>] [--json]   the secrets as they stood at that point
//   replay [--verify [--live]]     rebuilds the projection from the first record; compares it with the checkpoint
//                                  (or, --live, has the running service compare its own)
//   audit verify | audit tail [--follow] [--secret <id>]   checks and shows the audit trail
//   functions list | add <name> … | remove <name>   the rotation functions RotateSecret may name
import * as E from "fp-ts/lib/Either.js";
import { parseArgs } from "node:util";
import { startApp } from "./app.js";
import { auditCommand, parseAnchor } from "./audit/commands.js";
import { legacyMasterKey } from "./bootstrap.js";
import { loadConfig, type Config } from "./config.js";
import { historyCommand, liveVerifyCommand, revealCommand, stateCommand } from "./history/commands.js";
import { parseLogPoint } from "./history/queries.js";
import { replayCommand } from "./history/replay.js";
import { functionsCommand } from "./rotation/functions-command.js";
import {
  DEFAULT_ALIAS,
  createKey,
  keyArn,
  loadOrCreateKeyring,
  rotateKey,
  setKeyEnabled,
  writeKeyringFile,
} from "./crypto/keyring.js";

const USAGE = `usage: secret-ledger compact [--dry-run]
       secret-ledger keys list
       secret-ledger keys create [--alias alias/<name>] [--description <text>]
       secret-ledger keys rotate <key id | alias/… | key ARN>
       secret-ledger keys disable|enable <key id | alias/… | key ARN>
       secret-ledger history <secret name or ARN> [--json] [--log <followed region>]
       secret-ledger state --at <ISO time | log sequence> [--secret <name or ARN>] [--json] [--log <followed region>]
                           [--reveal [--endpoint-url <url>]]   (signed with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)
       secret-ledger replay [--verify [--live [--endpoint-url <url>]]]
       secret-ledger audit verify [--anchor <n>:<hash>]
       secret-ledger audit tail [--follow] [--secret <name or ARN>]
       secret-ledger functions list
       secret-ledger functions add <name> --runtime python3|node --handler <module.function> [--code-dir <dir>]
                                          [--role <user>] [--timeout <seconds>]
       secret-ledger functions add <name> --url <Lambda invoke URL> [--timeout <seconds>]
       secret-ledger functions add <name> --builtin [--json-key <key>] [--role <user>]
       secret-ledger functions remove <name>
`;

const out = (line: string): void => {
  process.stdout.write(line + "\n");
};

const compact = async (config: Config, dryRun: boolean): Promise<number> => {
  // Only the compactor is wanted: the API listens on a free loopback port for the few moments this runs.
  const app = await startApp(
    { ...config, listen: { host: "127.0.0.1", port: 0 } },
    { logger: (line) => process.stderr.write(JSON.stringify(line) + "\n") },
  );
  try {
    const report = await app.compact({ dryRun });
    await app.whenKeysShredded();
    out(
      `${dryRun ? "would prune" : "pruned"} ${report.versionsPruned} version(s) of ${report.secretsPruned} secret(s)`,
    );
    return 0;
  } finally {
    await app.stop();
  }
};

/** The keyring file is changed in place (atomically); a running service picks the change up by itself. */
const keys = (
  config: Config,
  action: string | undefined,
  key: string | undefined,
  options: { alias?: string; description?: string },
): number => {
  const file = loadOrCreateKeyring(config.keyringFile, legacyMasterKey(config.dataDir));
  const needKey = (): string => {
    if (key === undefined) throw new Error(`keys ${action ?? ""} needs a key id, alias or ARN`);
    return key;
  };
  switch (action) {
    case "list":
      for (const k of file.keys)
        out(
          [
            keyArn(config, k.keyId),
            k.enabled ? "Enabled" : "Disabled",
            `generation ${Math.max(...k.material.map((m) => m.generation))}`,
            ...(k.aliases ?? []),
          ].join("  "),
        );
      return 0;
    case "create": {
      const created = createKey(file, options);
      writeKeyringFile(config.keyringFile, created.file);
      out(keyArn(config, created.keyId));
      return 0;
    }
    case "rotate": {
      const rotated = rotateKey(file, needKey(), config);
      writeKeyringFile(config.keyringFile, rotated.file);
      out(`${needKey()}: new key material, generation ${rotated.generation}; older generations still decrypt`);
      return 0;
    }
    case "disable":
    case "enable":
      if (
        action === "disable" &&
        file.keys.some((k) => k.aliases?.includes(DEFAULT_ALIAS) && k.aliases.includes(key ?? ""))
      )
        out(
          `note: ${DEFAULT_ALIAS} is the default key; secrets without a KmsKeyId cannot be read or written while it is disabled`,
        );
      writeKeyringFile(config.keyringFile, setKeyEnabled(file, needKey(), action === "enable", config));
      out(`${needKey()}: ${action}d`);
      return 0;
    case undefined:
    default:
      process.stderr.write(USAGE);
      return 2;
  }
};

// eslint-disable-next-line complexity -- one branch per CLI command; issue 17 reworks the CLI.
const main = async (): Promise<number> => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      "dry-run": { type: "boolean" },
      verify: { type: "boolean" },
      live: { type: "boolean" },
      follow: { type: "boolean" },
      secret: { type: "string" },
      anchor: { type: "string" },
      alias: { type: "string" },
      description: { type: "string" },
      json: { type: "boolean" },
      at: { type: "string" },
      reveal: { type: "boolean" },
      "endpoint-url": { type: "string" },
      log: { type: "string" },
      help: { type: "boolean" },
      runtime: { type: "string" },
      handler: { type: "string" },
      "code-dir": { type: "string" },
      url: { type: "string" },
      builtin: { type: "boolean" },
      "json-key": { type: "string" },
      role: { type: "string" },
      timeout: { type: "string" },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = loadConfig(process.env);
  if (E.isLeft(config)) {
    process.stderr.write(`secret-ledger: configuration error: ${config.left}\n`);
    return 2;
  }
  const [command, action, key, ...rest] = positionals;
  if (command === "compact" && action === undefined) return compact(config.right, values["dry-run"] === true);
  if (command === "replay" && action === undefined && values.live === true) {
    if (values.verify !== true) {
      process.stderr.write("secret-ledger: --live goes with --verify\n");
      return 2;
    }
    return liveVerifyCommand(config.right, {
      ...(values["endpoint-url"] === undefined ? {} : { endpoint: values["endpoint-url"] }),
      credentials: process.env,
      out,
      err: (line) => process.stderr.write(line + "\n"),
    });
  }
  if (command === "replay" && action === undefined)
    return replayCommand(config.right, values.verify === true, {
      out,
      progress: { write: (text) => process.stderr.write(text), terminal: process.stderr.isTTY === true },
    });
  if (command === "state" && action === undefined) {
    const at = values.at === undefined ? undefined : parseLogPoint(values.at);
    if (at === undefined) {
      process.stderr.write(
        "secret-ledger: state needs --at <ISO time, like 2026-11-24T03:12:00Z, or a log sequence>\n",
      );
      return 2;
    }
    if (values.reveal === true)
      return revealCommand(config.right, values.at as string, {
        ...(values.secret === undefined ? {} : { secret: values.secret }),
        ...(values["endpoint-url"] === undefined ? {} : { endpoint: values["endpoint-url"] }),
        credentials: process.env,
        out,
        err: (line) => process.stderr.write(line + "\n"),
      });
    return stateCommand(config.right, at, {
      ...(values.secret === undefined ? {} : { secret: values.secret }),
      ...(values.log === undefined ? {} : { log: values.log }),
      json: values.json === true,
      out,
      err: (line) => process.stderr.write(line + "\n"),
    });
  }
  if (command === "history" && action !== undefined && key === undefined)
    return historyCommand(config.right, action, {
      json: values.json === true,
      ...(values.log === undefined ? {} : { log: values.log }),
      out,
      err: (line) => process.stderr.write(line + "\n"),
    });
  if (command === "keys" && rest.length === 0)
    return keys(config.right, action, key, {
      ...(values.alias === undefined ? {} : { alias: values.alias }),
      ...(values.description === undefined ? {} : { description: values.description }),
    });
  if (command === "functions" && rest.length === 0 && (action === "list" ? key === undefined : true))
    return functionsCommand(
      config.right,
      action,
      key,
      {
        ...(values.runtime === undefined ? {} : { runtime: values.runtime }),
        ...(values.handler === undefined ? {} : { handler: values.handler }),
        ...(values["code-dir"] === undefined ? {} : { codeDir: values["code-dir"] }),
        ...(values.url === undefined ? {} : { url: values.url }),
        ...(values.builtin === undefined ? {} : { builtin: values.builtin }),
        ...(values["json-key"] === undefined ? {} : { jsonKey: values["json-key"] }),
        ...(values.role === undefined ? {} : { role: values.role }),
        ...(values.timeout === undefined ? {} : { timeout: values.timeout }),
      },
      { out, err: (line) => process.stderr.write(line + "\n") },
    );
  const anchor = values.anchor === undefined ? undefined : parseAnchor(values.anchor);
  if (values.anchor !== undefined && anchor === undefined) {
    process.stderr.write("secret-ledger: --anchor takes <n>:<hash>, as audit verify prints its head\n");
    return 2;
  }
  if (command === "audit" && key === undefined && (action === "verify" || action === "tail"))
    return auditCommand(config.right, action, {
      follow: values.follow === true,
      ...(values.secret === undefined ? {} : { secret: values.secret }),
      ...(anchor === undefined ? {} : { anchor }),
      out,
    });
  process.stderr.write(USAGE);
  return 2;
};

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`secret-ledger: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
