#!/usr/bin/env node
// secret-ledger's command line, with the service's configuration (SECRET_LEDGER_*, NATS_URL). See USAGE for the
// commands and which way each reaches the log: through the nats-server of the service running on the data
// directory (found in its service.json), --nats or NATS_URL, or the data directory's own nats-server started
// for the while when no service runs there; or through the running service's signed API.
import * as E from "fp-ts/lib/Either.js";
import { parseArgs } from "node:util";
import { auditCommand } from "./audit/commands.js";
import { parseAnchor } from "./audit/verify.js";
import type { Credentials } from "./access/sigv4.js";
import { legacyMasterKey, storedCredentials } from "./bootstrap.js";
import { loadConfig, type Config } from "./config.js";
import { historyCommand, liveVerifyCommand, revealCommand, stateCommand } from "./history/commands.js";
import { parseLogPoint } from "./history/queries.js";
import { replayCommand } from "./history/replay.js";
import { functionsCommand } from "./rotation/functions-command.js";
import { readRunningService } from "./service-file.js";
import {
  DEFAULT_ALIAS,
  createKey,
  keyArn,
  loadOrCreateKeyring,
  rotateKey,
  setKeyEnabled,
  writeKeyringFile,
} from "./crypto/keyring.js";

const USAGE = `usage: secret-ledger <command> [--nats <url>]

Reading the log (history, state, replay, audit, compact): through the nats-server of the service running on the
data directory (SECRET_LEDGER_DATA, ./data by default: found in its service.json), else --nats <url> or NATS_URL
(a stopped service's server, a replica region's, a forensic copy), else the data directory's own nats-server,
started for the while (the service must be stopped). --nats wins over both.

       secret-ledger history <secret name or ARN> [--json] [--log <followed region>]
       secret-ledger state --at <ISO time | log sequence> [--secret <name or ARN>] [--json] [--log <followed region>]
       secret-ledger replay [--verify]
       secret-ledger audit verify [--anchor <n>:<hash>]
       secret-ledger audit tail [--follow] [--secret <name or ARN>]
       secret-ledger compact [--dry-run]

Asking the running service over its signed API (its endpoint found in service.json, or --endpoint-url), as the
principal of AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else with the data directory's bootstrap credentials:

       secret-ledger state --at <ISO time | log sequence> --reveal [--secret <name or ARN>] [--endpoint-url <url>]
       secret-ledger replay --verify --live [--endpoint-url <url>]

Files of the data directory (a running service reads them again by itself):

       secret-ledger keys list
       secret-ledger keys create [--alias alias/<name>] [--description <text>]
       secret-ledger keys rotate|disable|enable <key id | alias/… | key ARN>
       secret-ledger functions list
       secret-ledger functions add <name> --runtime python3|node --handler <module.function> [--code-dir <dir>]
                                          [--role <user>] [--timeout <seconds>]
       secret-ledger functions add <name> --url <Lambda invoke URL> [--timeout <seconds>]
       secret-ledger functions add <name> --builtin [--json-key <key>] [--role <user>]
       secret-ledger functions remove <name>
`;

/** Who the command line asks the service as: the environment's AWS keys, else the service's bootstrap credentials. */
const credentialsOf = (env: NodeJS.ProcessEnv, config: Config): { credentials?: Credentials } => {
  const [accessKeyId, secretAccessKey] = [env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]];
  if (accessKeyId !== undefined && secretAccessKey !== undefined)
    return { credentials: { accessKeyId, secretAccessKey } };
  const bootstrap = config.credentials ?? storedCredentials(config.dataDir);
  return bootstrap === undefined ? {} : { credentials: bootstrap };
};

const out = (line: string): void => {
  process.stdout.write(line + "\n");
};

const compact = async (config: Config, dryRun: boolean): Promise<number> => {
  // Only the compactor is wanted: the API listens on a free loopback port for the few moments this runs, and the
  // data directory goes on naming the running service, if any. (Loaded here: the other commands need none of it.)
  const { startApp } = await import("./app.js");
  const app = await startApp(
    { ...config, listen: { host: "127.0.0.1", port: 0 } },
    { logger: (line) => process.stderr.write(JSON.stringify(line) + "\n"), announce: false },
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

const OPTIONS = {
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
  nats: { type: "string" },
  help: { type: "boolean" },
  runtime: { type: "string" },
  handler: { type: "string" },
  "code-dir": { type: "string" },
  url: { type: "string" },
  builtin: { type: "boolean" },
  "json-key": { type: "string" },
  role: { type: "string" },
  timeout: { type: "string" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];
type Words = { readonly command?: string; readonly action?: string; readonly key?: string; readonly rest: number };
type Access = { readonly endpoint?: string; readonly credentials?: Credentials };

const err = (line: string): void => {
  process.stderr.write(line + "\n");
};

/** A command that asks the running service over its signed API; undefined if the words name none. */
const askingTheService = (config: Config, w: Words, values: Values, access: Access): Promise<number> | undefined => {
  if (w.command === "replay" && w.action === undefined && values.live === true) {
    if (values.verify !== true) {
      err("secret-ledger: --live goes with --verify");
      return Promise.resolve(2);
    }
    return liveVerifyCommand(config, { ...access, out, err });
  }
  if (w.command === "state" && w.action === undefined && values.reveal === true && values.at !== undefined)
    return revealCommand(config, values.at, {
      ...(values.secret === undefined ? {} : { secret: values.secret }),
      ...access,
      out,
      err,
    });
  return undefined;
};

/** A command that reads the log; undefined if the words name none. */
const readingTheLog = (config: Config, w: Words, values: Values): Promise<number> | undefined => {
  if (w.command === "compact" && w.action === undefined) return compact(config, values["dry-run"] === true);
  if (w.command === "replay" && w.action === undefined)
    return replayCommand(config, values.verify === true, {
      out,
      progress: { write: (text) => process.stderr.write(text), terminal: process.stderr.isTTY === true },
    });
  const log = values.log === undefined ? {} : { log: values.log };
  if (w.command === "state" && w.action === undefined) {
    const at = values.at === undefined ? undefined : parseLogPoint(values.at);
    if (at === undefined) {
      err("secret-ledger: state needs --at <ISO time, like 2026-11-24T03:12:00Z, or a log sequence>");
      return Promise.resolve(2);
    }
    const secret = values.secret === undefined ? {} : { secret: values.secret };
    return stateCommand(config, at, { ...secret, ...log, json: values.json === true, out, err });
  }
  if (w.command === "history" && w.action !== undefined && w.key === undefined)
    return historyCommand(config, w.action, { json: values.json === true, ...log, out, err });
  if (w.command === "audit" && w.key === undefined && (w.action === "verify" || w.action === "tail"))
    return audit(config, w.action, values);
  return undefined;
};

const audit = (config: Config, action: "verify" | "tail", values: Values): Promise<number> => {
  const anchor = values.anchor === undefined ? undefined : parseAnchor(values.anchor);
  if (values.anchor !== undefined && anchor === undefined) {
    err("secret-ledger: --anchor takes <n>:<hash>, as audit verify prints its head");
    return Promise.resolve(2);
  }
  return auditCommand(config, action, {
    follow: values.follow === true,
    ...(values.secret === undefined ? {} : { secret: values.secret }),
    ...(anchor === undefined ? {} : { anchor }),
    out,
  });
};

/** The options given, without those left out (absent, not undefined: as the commands' option types want them). */
const present = <T extends Record<string, unknown>>(options: T): { [K in keyof T]?: Exclude<T[K], undefined> } =>
  Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };

/** A command on a file of the data directory (keyring, functions); undefined if the words name none. */
const editingAFile = (config: Config, w: Words, values: Values): number | undefined => {
  if (w.command === "keys" && w.rest === 0)
    return keys(config, w.action, w.key, present({ alias: values.alias, description: values.description }));
  if (w.command === "functions" && w.rest === 0 && (w.action !== "list" || w.key === undefined))
    return functionsCommand(
      config,
      w.action,
      w.key,
      present({
        runtime: values.runtime,
        handler: values.handler,
        codeDir: values["code-dir"],
        url: values.url,
        builtin: values.builtin,
        jsonKey: values["json-key"],
        role: values.role,
        timeout: values.timeout,
      }),
      { out, err },
    );
  return undefined;
};

const main = async (): Promise<number> => {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: OPTIONS });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const loaded = loadConfig(process.env);
  if (E.isLeft(loaded)) {
    err(`secret-ledger: configuration error: ${loaded.left}`);
    return 2;
  }
  // The service running on the data directory, if any: its nats-server and endpoint, unless told otherwise.
  const running = readRunningService(loaded.right.dataDir);
  const natsUrl = values.nats ?? loaded.right.natsUrl ?? running?.natsUrl;
  const config: Config = natsUrl === undefined ? loaded.right : { ...loaded.right, natsUrl };
  const endpoint = values["endpoint-url"] ?? running?.endpoint;
  const access: Access = { ...(endpoint === undefined ? {} : { endpoint }), ...credentialsOf(process.env, config) };
  const [command, action, key, ...rest] = positionals;
  const words: Words = {
    ...(command === undefined ? {} : { command }),
    ...(action === undefined ? {} : { action }),
    ...(key === undefined ? {} : { key }),
    rest: rest.length,
  };
  const done =
    askingTheService(config, words, values, access) ??
    readingTheLog(config, words, values) ??
    editingAFile(config, words, values);
  if (done !== undefined) return done;
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
