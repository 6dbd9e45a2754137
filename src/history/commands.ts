import { SecretCatalog, versionIndex } from "../../projections/secret-catalog.js";
import { historyOf, type HistoryEntry } from "../../projections/secret-history.js";
import { withNats } from "../app.js";
import type { Config } from "../config.js";
import { parseSecretId } from "../domain/queries.js";
import type { ActiveSecret } from "../domain/state.js";
import { EventLog } from "../store/event-log.js";

// `secret-ledger history <secret-id> [--json]`: a secret's whole timeline, from the log; and
// `secret-ledger state --at …`: what the secrets looked like at a point of it.

const line = (e: HistoryEntry): string =>
  [
    new Date(e.at).toISOString(),
    `seq ${e.seq}`,
    `gen ${e.generation}`,
    e.principal ?? "(the service)",
    e.command,
    e.what,
  ].join("  ");

/** The name whose subject holds a SecretId's records: a name as given, or the name in an ARN. */
const nameOf = (secretId: string, config: Config): string | undefined => {
  const reference = parseSecretId(secretId, config);
  if (reference.kind === "foreign") return undefined;
  return reference.kind === "arn" ? (reference.suffixed?.name ?? reference.name) : reference.name;
};

export const historyCommand = (
  config: Config,
  secretId: string,
  options: { readonly json: boolean; readonly out: (line: string) => void; readonly err: (line: string) => void },
): Promise<number> =>
  withNats(config, async (nc) => {
    const name = nameOf(secretId, config);
    if (name === undefined) {
      options.err(`${secretId} is an ARN of another partition, region or account than this log's`);
      return 2;
    }
    const log = await EventLog.open(nc, config.region);
    const records = await log.records((seq, why) => options.err(`seq ${seq}: unreadable (${why})`), {
      secretName: name,
    });
    // A full ARN picks one generation of the name; a name or a partial ARN, every generation.
    const all = historyOf(records);
    const exact = all.filter((e) => e.arn === secretId);
    const entries = exact.length > 0 ? exact : all;
    if (options.json) options.out(JSON.stringify(entries, null, 2));
    else if (entries.length === 0) options.out(`no history for ${secretId}`);
    else for (const e of entries) options.out(line(e));
    return entries.length === 0 ? 1 : 0;
  });

/** A point in the log: a log sequence, or a time (every record decided at or before it). */
export type LogPoint = { readonly seq: number } | { readonly time: number };

export const parseLogPoint = (text: string): LogPoint | undefined => {
  if (/^\d+$/.test(text)) return { seq: Number(text) };
  const time = Date.parse(text);
  return /^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(time) ? { time } : undefined;
};

const isoDate = (millis: number): string => new Date(millis).toISOString();

/** A secret as it stood, in the shape `state --json` prints. */
const stateView = (secret: ActiveSecret): Record<string, unknown> => ({
  name: secret.name,
  arn: secret.arn,
  createdDate: isoDate(secret.createdAt),
  lastChangedDate: isoDate(secret.lastChangedAt),
  ...(secret.description === undefined || secret.description === "" ? {} : { description: secret.description }),
  ...(secret.kmsKeyId === undefined || secret.kmsKeyId === "" ? {} : { kmsKeyId: secret.kmsKeyId }),
  ...(secret.tags === undefined ? {} : { tags: secret.tags }),
  ...(secret.resourcePolicy === undefined ? {} : { resourcePolicy: secret.resourcePolicy }),
  ...(secret.deletion === undefined ? {} : { deletionDate: isoDate(secret.deletion.deletionDate) }),
  versions: versionIndex(secret).map((v) => ({
    versionId: v.versionId,
    createdDate: isoDate(v.createdAt),
    stages: v.stages,
  })),
});

/**
 * `secret-ledger state --at <ISO time | sequence> [--secret <id>] [--json]`: the log folded up to that point,
 * by the same projection the service serves from; what every secret (or one) looked like then.
 */
export const stateCommand = (
  config: Config,
  at: LogPoint,
  options: {
    readonly secret?: string;
    readonly json: boolean;
    readonly out: (line: string) => void;
    readonly err: (line: string) => void;
  },
): Promise<number> =>
  withNats(config, async (nc) => {
    const name = options.secret === undefined ? undefined : nameOf(options.secret, config);
    if (options.secret !== undefined && name === undefined) {
      options.err(`${options.secret} is an ARN of another partition, region or account than this log's`);
      return 2;
    }
    const log = await EventLog.open(nc, config.region);
    const records = await log.records(
      (seq, why) => options.err(`seq ${seq}: unreadable (${why})`),
      name === undefined ? {} : { secretName: name },
    );
    const catalog = new SecretCatalog();
    let reached: { seq: number; time: number } | undefined;
    for (const { seq, secretName, record } of records) {
      const time = record.events[0]?.meta.at ?? 0;
      if ("seq" in at ? seq > at.seq : time > at.time) continue;
      catalog.apply(seq, secretName, record.events);
      reached = { seq, time };
    }
    const secrets = [...catalog.allSecrets()]
      .filter((s) => options.secret === undefined || s.name === name)
      .sort((a, b) => a.name.localeCompare(b.name));
    const point = "seq" in at ? `log sequence ${at.seq}` : isoDate(at.time);
    if (options.json) {
      options.out(
        JSON.stringify(
          {
            at: "seq" in at ? { seq: at.seq } : { time: isoDate(at.time) },
            ...(reached === undefined ? {} : { lastRecord: { seq: reached.seq, time: isoDate(reached.time) } }),
            secrets: secrets.map(stateView),
          },
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
