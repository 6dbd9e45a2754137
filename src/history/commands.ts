import * as E from "fp-ts/lib/Either.js";
import { versionIndex } from "../../projections/secret-catalog.js";
import type { HistoryEntry } from "../../projections/secret-history.js";
import { withNats } from "../store/nats-connection.js";
import type { Config } from "../config.js";
import type { Credentials } from "../access/sigv4.js";
import { AwsJsonClient } from "../client/aws-json-client.js";
import { EventLog } from "../store/event-log.js";
import { isoDate, secretHistory, stateAt, stateAtAnswer, stateView, type LogPoint } from "./queries.js";

// `secret-ledger history <secret-id> [--json]`: a secret's whole timeline, from the log; and
// `secret-ledger state --at …`: what the secrets looked like at a point of it.

type Output = { readonly out: (line: string) => void; readonly err: (line: string) => void };

const FOREIGN = "is an ARN of another partition, region or account than this log's";

const line = (e: HistoryEntry): string =>
  [
    new Date(e.at).toISOString(),
    `seq ${e.seq}`,
    `gen ${e.generation}`,
    e.principal ?? "(the service)",
    e.command,
    e.what,
  ].join("  ");

/**
 * Runs `work` on the log a command reads: this region's own, or (`--log <region>`) the mirror of a region it
 * follows, read here even when that region cannot be reached; with the home (region) its ARNs are read against.
 * A region not followed here is refused (exit code 2).
 */
const onLog = (
  config: Config,
  region: string | undefined,
  err: Output["err"],
  work: (log: EventLog, home: Config) => Promise<number>,
): Promise<number> =>
  withNats(config, async (nc) => {
    if (region === undefined || region === config.region) return work(await EventLog.open(nc, config.region), config);
    if (!config.follows.includes(region)) {
      err(`region ${config.region} does not follow ${region} (SECRET_LEDGER_FOLLOWS): no log of it here`);
      return 2;
    }
    return work(await EventLog.openMirror(nc, region), { ...config, region });
  });

export const historyCommand = (
  config: Config,
  secretId: string,
  options: Output & { readonly json: boolean; readonly log?: string },
): Promise<number> =>
  onLog(config, options.log, options.err, async (log, home) => {
    const history = await secretHistory(log, home, secretId, (seq, why) =>
      options.err(`seq ${seq}: unreadable (${why})`),
    );
    if (E.isLeft(history)) {
      options.err(`${secretId} ${FOREIGN}`);
      return 2;
    }
    const entries = history.right;
    if (options.json) options.out(JSON.stringify(entries, null, 2));
    else if (entries.length === 0) options.out(`no history for ${secretId}`);
    else for (const e of entries) options.out(line(e));
    return entries.length === 0 ? 1 : 0;
  });

/**
 * `secret-ledger state --at <ISO time | sequence> [--secret <id>] [--json]`: the log folded up to that point,
 * by the same projection the service serves from; what every secret (or one) looked like then.
 */
export const stateCommand = (
  config: Config,
  at: LogPoint,
  options: Output & { readonly secret?: string; readonly json: boolean; readonly log?: string },
): Promise<number> =>
  onLog(config, options.log, options.err, async (log, home) => {
    const folded = await stateAt(log, home, at, options.secret, (seq, why) =>
      options.err(`seq ${seq}: unreadable (${why})`),
    );
    if (E.isLeft(folded)) {
      options.err(`${options.secret ?? ""} ${FOREIGN}`);
      return 2;
    }
    const { reached, secrets } = folded.right;
    const point = "seq" in at ? `log sequence ${at.seq}` : isoDate(at.time);
    if (options.json) {
      options.out(
        JSON.stringify(
          stateAtAnswer(
            at,
            reached,
            secrets.map((s) => stateView(s)),
          ),
          null,
          2,
        ),
      );
      return 0;
    }
    options.out(
      reached === undefined
        ? `as of ${point}: the log held nothing yet`
        : `as of ${point} (last record: seq ${reached.seq}, ${isoDate(reached.time)}): ${secrets.length} secret(s)`,
    );
    for (const s of secrets) {
      options.out(
        `${s.name}  ${s.arn}${s.deletion === undefined ? "" : `  scheduled for deletion on ${isoDate(s.deletion.deletionDate)}`}`,
      );
      for (const v of versionIndex(s))
        options.out(
          `  ${v.versionId}  created ${isoDate(v.createdAt)}${v.stages.length === 0 ? "" : `  ${v.stages.join(",")}`}`,
        );
    }
    if (options.secret !== undefined && secrets.length === 0) options.out(`${options.secret} did not exist then`);
    return 0;
  });

/**
 * How the command line reaches the running service: its endpoint (the data directory's running service, or
 * SECRET_LEDGER_LISTEN's address), signed as a principal (the environment's AWS keys, else the bootstrap ones).
 */
type ServiceAccess = {
  readonly endpoint?: string;
  readonly credentials?: Credentials;
};

/** Asks the running service a secret-ledger question (`secretledger.<Operation>`), signed; prints its JSON answer. */
const askService = async (
  config: Config,
  operation: string,
  input: object,
  options: Output & ServiceAccess,
  succeeded: (answer: Record<string, unknown>) => boolean = () => true,
): Promise<number> => {
  if (options.credentials === undefined) {
    options.err(
      "secret-ledger: asking the service signs as a principal: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    );
    return 2;
  }
  const { host, port } = config.listen;
  const endpoint = options.endpoint ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const client = new AwsJsonClient(endpoint, options.credentials, config.region);
  try {
    const answer = await client.send(`secretledger.${operation}`, input);
    if (answer.status !== 200) {
      options.err(
        `secret-ledger: ${String(answer.json["__type"])}: ${String(answer.json["Message"] ?? answer.json["message"])}`,
      );
      return 1;
    }
    options.out(JSON.stringify(answer.json, null, 2));
    return succeeded(answer.json) ? 0 : 1;
  } finally {
    client.close();
  }
};

/**
 * `secret-ledger state --at … --reveal`: values leave only through the running service, which checks that the
 * caller may read each secret, and audits it. Prints the JSON of `state --json` with each version's value or why
 * it has none.
 */
export const revealCommand = (
  config: Config,
  at: string,
  options: Output & ServiceAccess & { readonly secret?: string },
): Promise<number> =>
  askService(
    config,
    "GetStateAt",
    { At: at, Reveal: true, ...(options.secret === undefined ? {} : { SecretId: options.secret }) },
    options,
  );

/** `secret-ledger replay --verify --live`: the running service's own projection, rebuilt and compared by it. */
export const liveVerifyCommand = (config: Config, options: Output & ServiceAccess): Promise<number> =>
  askService(config, "VerifyProjection", {}, options, (answer) => answer["agree"] === true);
