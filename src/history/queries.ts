import * as E from "fp-ts/lib/Either.js";
import { SecretCatalog, versionIndex } from "../../projections/secret-catalog.js";
import { historyOf, type HistoryEntry } from "../../projections/secret-history.js";
import { parseSecretId } from "../domain/queries.js";
import type { ActiveSecret } from "../domain/state.js";
import type { EventLog } from "../store/event-log.js";

// The forensic questions, asked of the log: a secret's timeline, and the secrets as they stood at a point. The
// command line and the HTTP operations both ask them here.

type Home = { readonly partition: string; readonly region: string; readonly account: string };

export type Unreadable = (seq: number, why: string) => void;

/** A SecretId of another partition, region or account names nothing in this log. */
export type ForeignSecretId = { readonly _tag: "ForeignSecretId" };

/** The name whose subject holds a SecretId's records: a name as given, or the name in an ARN. */
const nameOf = (secretId: string, home: Home): E.Either<ForeignSecretId, string> => {
  const reference = parseSecretId(secretId, home);
  if (reference.kind === "foreign") return E.left({ _tag: "ForeignSecretId" });
  return E.right(reference.kind === "arn" ? (reference.suffixed?.name ?? reference.name) : reference.name);
};

/** Every event of the name's secrets; a full ARN picks that generation, a name or partial ARN every one. */
export const secretHistory = async (
  log: EventLog,
  home: Home,
  secretId: string,
  onUnreadable: Unreadable,
): Promise<E.Either<ForeignSecretId, ReadonlyArray<HistoryEntry>>> => {
  const name = nameOf(secretId, home);
  if (E.isLeft(name)) return name;
  const all = historyOf(await log.records(onUnreadable, { secretName: name.right }));
  const exact = all.filter((e) => e.arn === secretId);
  return E.right(exact.length > 0 ? exact : all);
};

/** A point in the log: a log sequence, or a time (every record decided at or before it). */
export type LogPoint = { readonly seq: number } | { readonly time: number };

export const parseLogPoint = (text: string): LogPoint | undefined => {
  if (/^\d+$/.test(text)) return { seq: Number(text) };
  const time = Date.parse(text);
  return /^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(time) ? { time } : undefined;
};

export type StateAt = {
  /** The last record folded: what "as of" means in the log. */
  readonly reached?: { readonly seq: number; readonly time: number };
  readonly secrets: ReadonlyArray<ActiveSecret>;
};

/** The log folded up to a point by the service's own projection: every secret (or one) as it stood then. */
export const stateAt = async (
  log: EventLog,
  home: Home,
  at: LogPoint,
  secretId: string | undefined,
  onUnreadable: Unreadable,
): Promise<E.Either<ForeignSecretId, StateAt>> => {
  const name = secretId === undefined ? E.right(undefined) : nameOf(secretId, home);
  if (E.isLeft(name)) return name;
  const catalog = new SecretCatalog();
  let reached: { seq: number; time: number } | undefined;
  await log.scan(
    ({ seq, secretName, record }) => {
      const time = record.events[0]?.meta.at ?? 0;
      if ("seq" in at ? seq > at.seq : time > at.time) return;
      catalog.apply(seq, secretName, record.events);
      reached = { seq, time };
    },
    onUnreadable,
    name.right === undefined ? {} : { secretName: name.right },
  );
  const secrets = [...catalog.allSecrets()]
    .filter((s) => name.right === undefined || s.name === name.right)
    .sort((a, b) => a.name.localeCompare(b.name));
  return E.right({ ...(reached === undefined ? {} : { reached }), secrets });
};

const isoDate = (millis: number): string => new Date(millis).toISOString();

/** A secret as it stood, as `state --json` and GetStateAt show it; `values` adds what each version held. */
export const stateView = (
  secret: ActiveSecret,
  values?: (versionId: string) => Record<string, unknown>,
): Record<string, unknown> => ({
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
    ...(values === undefined ? {} : values(v.versionId)),
  })),
});
