import * as E from "fp-ts/lib/Either.js";
import { snapshotOf, type CatalogSnapshot } from "../../projections/catalog-snapshot.js";
import { SecretCatalog, versionIndex } from "../../projections/secret-catalog.js";
import { historyOf, type HistoryEntry } from "../../projections/secret-history.js";
import { parseSecretId, type Home } from "../domain/queries.js";
import type { ActiveSecret, Rotation } from "../domain/state.js";
import type { EventLog } from "../store/event-log.js";

// The forensic questions, asked of the log: a secret's timeline, and the secrets as they stood at a point. The
// command line and the HTTP operations both ask them here.

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

export const isoDate = (millis: number): string => new Date(millis).toISOString();

/** The answer to "what did the secrets look like then", as `state --json` prints it and GetStateAt returns it. */
export const stateAtAnswer = (
  at: LogPoint,
  reached: StateAt["reached"],
  secrets: ReadonlyArray<Record<string, unknown>>,
): Record<string, unknown> => ({
  at: "seq" in at ? { seq: at.seq } : { time: isoDate(at.time) },
  ...(reached === undefined ? {} : { lastRecord: { seq: reached.seq, time: isoDate(reached.time) } }),
  secrets,
});

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
  ...(secret.rotation === undefined ? {} : { rotation: rotationView(secret.rotation) }),
  versions: versionIndex(secret).map((v) => ({
    versionId: v.versionId,
    createdDate: isoDate(v.createdAt),
    stages: v.stages,
    ...(values === undefined ? {} : values(v.versionId)),
  })),
});

/** A secret's rotation as it stood: configuration, last rotation, and the rotation under way. */
const rotationView = (r: Rotation): Record<string, unknown> => ({
  enabled: r.enabled,
  ...(r.lambdaArn === undefined ? {} : { lambdaArn: r.lambdaArn }),
  ...(r.rules === undefined ? {} : { rules: r.rules }),
  ...(r.lastRotatedAt === undefined ? {} : { lastRotatedDate: isoDate(r.lastRotatedAt) }),
  ...(r.inFlight === undefined
    ? {}
    : {
        underWay: {
          versionId: r.inFlight.versionId,
          attempt: r.inFlight.attempt,
          ...(r.inFlight.testOnly ? { testOnly: true } : {}),
          ...(r.inFlight.retryAt === undefined ? {} : { retryFrom: isoDate(r.inFlight.retryAt) }),
        },
      }),
});

/** The secrets that differ between two snapshots, and in what. */
export const differences = (rebuilt: CatalogSnapshot, kept: CatalogSnapshot): ReadonlyArray<string> => {
  const index = (s: CatalogSnapshot) => new Map(s.secrets.map((e) => [e.name, e]));
  const [a, b] = [index(rebuilt), index(kept)];
  const found: string[] = [];
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const [x, y] = [a.get(name), b.get(name)];
    if (x === undefined || y === undefined) {
      found.push(`${name}: only in the ${x === undefined ? "checkpoint" : "rebuilt projection"}`);
      continue;
    }
    const fields = new Set([...Object.keys(x.state), ...Object.keys(y.state)]);
    const differing = [...fields].filter(
      (f) =>
        JSON.stringify((x.state as Record<string, unknown>)[f]) !==
        JSON.stringify((y.state as Record<string, unknown>)[f]),
    );
    if (x.subjectSeq !== y.subjectSeq) differing.push("subjectSeq");
    if (differing.length > 0) found.push(`${name}: ${differing.join(", ")} differ`);
  }
  return found;
};

export type Rebuilt = {
  readonly catalog: SecretCatalog;
  readonly records: number;
  readonly events: number;
  readonly unreadable: number;
  readonly seconds: number;
};

/** The projection folded anew from the log's first record up to `upTo`. */
export const rebuild = async (
  log: EventLog,
  upTo: number,
  onProgress: (seq: number, events: number) => void = () => undefined,
): Promise<Rebuilt> => {
  const catalog = new SecretCatalog();
  let records = 0;
  let events = 0;
  let unreadable = 0;
  const started = performance.now();
  await log.scan(
    ({ seq, secretName, record }) => {
      if (seq > upTo) return;
      catalog.apply(seq, secretName, record.events);
      records++;
      events += record.events.length;
      onProgress(seq, events);
    },
    (seq) => {
      if (seq > upTo) return;
      unreadable++;
      catalog.passOver(seq);
    },
  );
  return { catalog, records, events, unreadable, seconds: (performance.now() - started) / 1000 };
};

/** The projection as the service holds it at this instant, rebuilt from the log to the same point, compared. */
export const verifyLive = async (
  log: EventLog,
  live: SecretCatalog,
): Promise<Rebuilt & { readonly differences: ReadonlyArray<string> }> => {
  const checkpoint = live.checkpoint;
  const kept = SecretCatalog.restored(checkpoint, [...live.entries()]);
  const rebuilt = await rebuild(log, checkpoint);
  return { ...rebuilt, differences: differences(snapshotOf(rebuilt.catalog), snapshotOf(kept)) };
};
