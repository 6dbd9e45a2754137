import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { ActiveSecret, SecretState } from "../src/domain/state.js";
import { SealedValue, SecretName, StagingLabel, Tag, VersionId } from "../src/domain/types.js";
import { SecretCatalog } from "./secret-catalog.js";

// The catalog as data, to be kept beside the log with the position it was folded to: a restart then folds
// only what came after. The codec checks every field on the way back in.

const VersionData = t.intersection([
  t.type({ versionId: VersionId, createdAt: t.number, value: SealedValue }),
  t.partial({ lastAccessedDay: t.number }),
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
  }),
]);

export const CatalogSnapshot = t.type({
  /** The log sequence the catalog was folded to. */
  checkpoint: t.number,
  secrets: t.array(
    t.type({
      name: t.string,
      subjectSeq: t.number,
      state: t.union([t.type({ status: t.literal("absent") }), ActiveData]),
    }),
  ),
});
export type CatalogSnapshot = t.TypeOf<typeof CatalogSnapshot>;

const activeData = (s: ActiveSecret): t.TypeOf<typeof ActiveData> => {
  const { status: _status, versions, labels, tags, ...rest } = s;
  return {
    ...rest,
    ...(tags === undefined ? {} : { tags: [...tags] }),
    versions: [...versions.values()],
    labels: [...labels.entries()],
  };
};

export const snapshotOf = (catalog: SecretCatalog): CatalogSnapshot => ({
  checkpoint: catalog.checkpoint,
  secrets: [...catalog.entries()].map(([name, { state, subjectSeq }]) => ({
    name,
    subjectSeq,
    state: state.status === "absent" ? { status: "absent" as const } : activeData(state),
  })),
});

const stateOf = (data: CatalogSnapshot["secrets"][number]["state"]): SecretState => {
  if ("status" in data) return { status: "absent" };
  const { versions, labels, ...rest } = data;
  return {
    status: "active",
    ...rest,
    versions: new Map(versions.map((v) => [v.versionId, v])),
    labels: new Map(labels),
  };
};

/** The catalog a snapshot holds, or why it cannot be one. */
export const catalogFrom = (json: unknown): E.Either<string, SecretCatalog> =>
  E.bimap(
    () => "not a catalog snapshot",
    (snapshot: CatalogSnapshot) =>
      SecretCatalog.restored(
        snapshot.checkpoint,
        snapshot.secrets.map((s) => [s.name, { state: stateOf(s.state), subjectSeq: s.subjectSeq }]),
      ),
  )(CatalogSnapshot.decode(json));
