import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { ReplicaRegion } from "../src/domain/events.js";
import type { ActiveSecret, SecretState, Version } from "../src/domain/state.js";
import { RotationRules, SecretName, StagingLabel, Tag, ValueRef, VersionId } from "../src/domain/types.js";
import { SecretCatalog, type CatalogEntry } from "./secret-catalog.js";

// The catalog as data, to be kept beside the log with the position it was folded to: a restart then folds
// only what came after. The codec checks every field on the way back in.

/** A version: its value as the projection keeps it (where it is in the log), not the value itself. */
const VersionData = t.intersection([
  t.type({ versionId: VersionId, createdAt: t.number }),
  t.partial({ value: t.intersection([ValueRef, t.type({ seq: t.number })]), lastAccessedDay: t.number }),
]);

const RotationData = t.intersection([
  t.type({ enabled: t.boolean, configuredAt: t.number }),
  t.partial({
    lambdaArn: t.string,
    rules: RotationRules,
    lastRotatedAt: t.number,
    inFlight: t.intersection([
      t.type({ versionId: VersionId, attempt: t.number, attemptAt: t.number, testOnly: t.boolean }),
      t.partial({ retryAt: t.number }),
    ]),
  }),
]);

const ActiveData = t.intersection([
  t.type({
    name: SecretName,
    arn: t.string,
    createdAt: t.number,
    lastChangedAt: t.number,
    versions: t.array(VersionData),
    labels: t.array(t.tuple([StagingLabel, VersionId])),
  }),
  t.partial({
    description: t.string,
    kmsKeyId: t.string,
    tags: t.array(Tag),
    resourcePolicy: t.string,
    lastAccessedDay: t.number,
    deletion: t.type({ deletedAt: t.number, deletionDate: t.number }),
    replicas: t.array(t.intersection([ReplicaRegion, t.type({ addedAt: t.number })])),
    promotedFrom: t.string,
    rotation: RotationData,
    keyEpoch: t.number,
  }),
]);

/** One secret of a snapshot: its name, the sequence of its subject's last record, its state. */
const SnapshotEntry = t.type({
  name: t.string,
  subjectSeq: t.number,
  state: t.union([t.type({ status: t.literal("absent") }), ActiveData]),
});
type SnapshotEntry = t.TypeOf<typeof SnapshotEntry>;

export const CatalogSnapshot = t.type({
  /** The log sequence the catalog was folded to. */
  checkpoint: t.number,
  secrets: t.array(SnapshotEntry),
});
export type CatalogSnapshot = t.TypeOf<typeof CatalogSnapshot>;

/** A version of the catalog: folded from the log, its value has its place there. */
const versionData = (v: Version): t.TypeOf<typeof VersionData> => {
  if (v.value !== undefined && v.value.seq === undefined)
    throw new Error(`version ${v.versionId} of the catalog has a value that is not in the log`);
  return v as t.TypeOf<typeof VersionData>;
};

const activeData = (s: ActiveSecret): t.TypeOf<typeof ActiveData> => {
  const { status: _status, versions, labels, tags, replicas, ...rest } = s;
  return {
    ...rest,
    ...(tags === undefined ? {} : { tags: [...tags] }),
    ...(replicas === undefined ? {} : { replicas: [...replicas] }),
    versions: [...versions.values()].map(versionData),
    labels: [...labels.entries()],
  };
};

const entryData = (name: string, { state, subjectSeq }: CatalogEntry): SnapshotEntry => ({
  name,
  subjectSeq,
  state: state.status === "absent" ? { status: "absent" as const } : activeData(state),
});

export const snapshotOf = (catalog: SecretCatalog): CatalogSnapshot => ({
  checkpoint: catalog.checkpoint,
  secrets: [...catalog.entries()].map(([name, entry]) => entryData(name, entry)),
});

/**
 * The catalog's entries at this instant, to be written out a few at a time: entries are replaced, never
 * changed, on apply, so the copy stays the state at `checkpoint` while the catalog moves on.
 */
export const frozenEntries = (
  catalog: SecretCatalog,
): { readonly checkpoint: number; readonly entries: ReadonlyArray<readonly [string, CatalogEntry]> } => ({
  checkpoint: catalog.checkpoint,
  entries: [...catalog.entries()],
});

/** One entry as one line of JSON. */
export const entryLine = (name: string, entry: CatalogEntry): string => JSON.stringify(entryData(name, entry));

const stateOf = (data: SnapshotEntry["state"]): SecretState => {
  if ("status" in data) return { status: "absent" };
  const { versions, labels, ...rest } = data;
  return {
    status: "active",
    ...rest,
    versions: new Map(versions.map((v): [VersionId, Version] => [v.versionId, v])),
    labels: new Map(labels),
  };
};

/** An entry read back from one line, checked field by field. */
export const entryFromLine = (line: string): E.Either<string, readonly [string, CatalogEntry]> => {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return E.left("a line that is not JSON");
  }
  return E.bimap(
    () => "a line that is not a catalog entry",
    (e: SnapshotEntry) => [e.name, { state: stateOf(e.state), subjectSeq: e.subjectSeq }] as const,
  )(SnapshotEntry.decode(json));
};
