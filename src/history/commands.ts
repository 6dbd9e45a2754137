import { historyOf, type HistoryEntry } from "../../projections/secret-history.js";
import { withNats } from "../app.js";
import type { Config } from "../config.js";
import { parseSecretId } from "../domain/queries.js";
import { EventLog } from "../store/event-log.js";

// `secret-ledger history <secret-id> [--json]`: a secret's whole timeline, from the log.

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
    const records = await log.recordsOf(name, (seq, why) => options.err(`seq ${seq}: unreadable (${why})`));
    // A full ARN picks one generation of the name; a name or a partial ARN, every generation.
    const all = historyOf(records);
    const exact = all.filter((e) => e.arn === secretId);
    const entries = exact.length > 0 ? exact : all;
    if (options.json) options.out(JSON.stringify(entries, null, 2));
    else if (entries.length === 0) options.out(`no history for ${secretId}`);
    else for (const e of entries) options.out(line(e));
    return entries.length === 0 ? 1 : 0;
  });
