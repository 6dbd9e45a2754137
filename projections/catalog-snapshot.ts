import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { ReplicaRegion } from "../src/domain/events.js";
import type { ActiveSecret, SecretState } from "../src/domain/state.js";
import { SecretLabels } from "../src/domain/secret-labels.js";
import { RECORD, SecretVersions } from "../src/domain/versions.js";
import { RotationRules, SecretName, StagingLabel, Tag, VersionId } from "../src/domain/types.js";
import { SecretCatalog, type CatalogEntry } from "./secret-catalog.js";

// The catalog as data, to be kept beside the log with the position it was folded to: a restart then folds
// only what came after. The codec checks every field on the way back in.
//
// In a checkpoint, an entry is bytes (entryBytes): its length (u32), whether the secret exists (u8), its name's
// length (u16) and name (UTF-8), its subject's last sequence (f64), its state's length (u32) and state (JSON, the
// versions' records left out), then the versions' records as they are in memory. An entry is decoded when it is
// first needed (entryAt).

/** The versions, packed as the projection keeps them (see versions.ts): their values' places, not the values. */
const VersionsData = t.type({ records: t.string, odd: t.array(t.string) });

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
    versions: VersionsData,
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

const activeData = (s: ActiveSecret): t.TypeOf<typeof ActiveData> => {
  const { status: _status, versions, labels, tags, replicas, ...rest } = s;
  // Folded from the log, every value of the catalog has its place there.
  if (!versions.allInLog()) throw new Error(`a version of ${s.name} in the catalog has a value not in the log`);
  const { records, odd } = versions.data();
  return {
    ...rest,
    ...(tags === undefined ? {} : { tags: [...tags] }),
    ...(replicas === undefined ? {} : { replicas: [...replicas] }),
    versions: { records, odd: [...odd] },
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
): { readonly checkpoint: number; readonly entries: ReadonlyArray<readonly [string, CatalogEntry | Uint8Array]> } => ({
  checkpoint: catalog.checkpoint,
  entries: [...catalog.keptEntries()],
});

/** One entry as a checkpoint keeps it; an entry not read since the checkpoint it came from, as it was there. */
export const entryBytes = (name: string, entry: CatalogEntry | Uint8Array): Uint8Array => {
  if (entry instanceof Uint8Array) return entry;
  const { state } = entryData(name, entry);
  const records = "versions" in state ? state.versions.records : "";
  const json = JSON.stringify("versions" in state ? { ...state, versions: { ...state.versions, records: "" } } : state);
  const nameBytes = Buffer.byteLength(name);
  const jsonBytes = Buffer.byteLength(json);
  const bytes = Buffer.allocUnsafe(4 + 1 + 2 + nameBytes + 8 + 4 + jsonBytes + records.length);
  let at = bytes.writeUInt32LE(bytes.length, 0);
  at = bytes.writeUInt8(entry.state.status === "active" ? 1 : 0, at);
  at = bytes.writeUInt16LE(nameBytes, at);
  at += bytes.write(name, at, "utf8");
  at = bytes.writeDoubleLE(entry.subjectSeq, at);
  at = bytes.writeUInt32LE(jsonBytes, at);
  at += bytes.write(json, at, "utf8");
  bytes.write(records, at, "latin1");
  return bytes;
};

/** Whether the secret of an entry (as entryBytes wrote it) exists: its fifth byte. */
export const entryExists = (bytes: Uint8Array): boolean => bytes[4] === 1;

/** Where the parts of the entry at `at` of `body` (as entryBytes wrote it) end: the entry, its name, its JSON. */
const layoutOf = (
  body: Buffer,
  at: number,
): { readonly end: number; readonly nameEnd: number; readonly jsonEnd: number } => {
  const nameEnd = at + 7 + body.readUInt16LE(at + 5);
  return { end: at + body.readUInt32LE(at), nameEnd, jsonEnd: nameEnd + 12 + body.readUInt32LE(nameEnd + 8) };
};

/**
 * How many versions an entry (as entryBytes wrote it) holds, from its layout alone (a record each, after the JSON),
 * nothing decoded or checked: enough to tell which secrets the compactor has to look at.
 */
export const versionsIn = (bytes: Uint8Array): number => {
  const { end, jsonEnd } = layoutOf(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), 0);
  return Math.floor((end - jsonEnd) / RECORD);
};

/** The entry at `at` of `body` (as entryBytes wrote it), checked field by field. */
export const entryAt = (body: Buffer, at = 0): E.Either<string, CatalogEntry> => {
  const { end, nameEnd, jsonEnd } = layoutOf(body, at);
  const subjectSeq = body.readDoubleLE(nameEnd);
  let state: unknown;
  try {
    state = JSON.parse(body.toString("utf8", nameEnd + 12, jsonEnd));
  } catch {
    return E.left("an entry that is not JSON");
  }
  if (typeof state === "object" && state !== null && "versions" in state)
    state = { ...state, versions: { ...(state.versions as object), records: body.toString("latin1", jsonEnd, end) } };
  const name = body.toString("utf8", at + 7, nameEnd);
  const decoded = SnapshotEntry.decode({ name, subjectSeq, state });
  const kept = E.isRight(decoded) ? stateOf(decoded.right.state) : undefined;
  return kept === undefined ? E.left("an entry that is not a catalog entry") : E.right({ state: kept, subjectSeq });
};

/** A state as a snapshot kept it, or undefined if its versions are not versions, or do not carry its labels. */
const stateOf = (data: SnapshotEntry["state"]): SecretState | undefined => {
  if ("status" in data) return { status: "absent" };
  const { versions, labels, ...rest } = data;
  const kept = SecretVersions.fromData(versions);
  const restored = kept === undefined ? undefined : SecretLabels.restored(kept, labels);
  return restored === undefined
    ? undefined
    : { status: "active", ...rest, versions: restored.versions, labels: restored };
};
