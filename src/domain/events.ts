import * as t from "io-ts";
import { RotationRules, RotationStep, SealedValue, SecretName, StagingLabel, Tag, VersionId } from "./types.js";

// Every event carries its schema version; an old event is upcast when read (upcast.ts), never rewritten.

/**
 * The schema version each event type is at now (1 unless listed). 2 for VersionCreated and VersionFilled: a
 * value says where its data key is (`SealedValue.key`); before, it was always in the key store, by version.
 */
export const CURRENT_EVENT_SCHEMA: Readonly<Record<string, number>> = { VersionCreated: 2, VersionFilled: 2 };

const meta = t.readonly(t.type({ schemaVersion: t.literal(1), at: t.number }));
const metaV2 = t.readonly(t.type({ schemaVersion: t.literal(2), at: t.number }));

export const SecretCreated = t.readonly(
  t.type({
    type: t.literal("SecretCreated"),
    data: t.readonly(
      t.intersection([
        t.type({ name: SecretName, arn: t.string }),
        t.partial({
          description: t.string,
          kmsKeyId: t.string,
          tags: t.readonlyArray(Tag),
          /** Made by StopReplicationToReplica: the primary secret (ARN) this one was a replica of. */
          promotedFrom: t.string,
        }),
      ]),
    ),
    meta,
  }),
);
export type SecretCreated = t.TypeOf<typeof SecretCreated>;

export const VersionCreated = t.readonly(
  t.type({
    type: t.literal("VersionCreated"),
    data: t.readonly(
      t.intersection([
        t.type({ versionId: VersionId }),
        t.partial({
          /** Absent: an empty version, made by RotateSecret for its rotation function to fill (VersionFilled). */
          value: SealedValue,
          /** When the version was first created, if before this event (a promoted replica keeps its dates). */
          createdAt: t.number,
        }),
      ]),
    ),
    meta: metaV2,
  }),
);
export type VersionCreated = t.TypeOf<typeof VersionCreated>;

/** The empty version a rotation made receives its value: PutSecretValue with that version's id as its token. */
export const VersionFilled = t.readonly(
  t.type({
    type: t.literal("VersionFilled"),
    data: t.readonly(t.type({ versionId: VersionId, value: SealedValue })),
    meta: metaV2,
  }),
);
export type VersionFilled = t.TypeOf<typeof VersionFilled>;

/** A staging label leaves `from` (absent: it was on no version) for `to` (absent: it is detached). */
export const LabelMoved = t.readonly(
  t.type({
    type: t.literal("LabelMoved"),
    data: t.readonly(t.intersection([t.type({ label: StagingLabel }), t.partial({ from: VersionId, to: VersionId })])),
    meta,
  }),
);
export type LabelMoved = t.TypeOf<typeof LabelMoved>;

/** Metadata changed by UpdateSecret; an absent member is unchanged, an empty string clears it. */
export const SecretUpdated = t.readonly(
  t.type({
    type: t.literal("SecretUpdated"),
    data: t.readonly(t.partial({ description: t.string, kmsKeyId: t.string })),
    meta,
  }),
);
export type SecretUpdated = t.TypeOf<typeof SecretUpdated>;

/** Tags added, or given a new value when the key was there. */
export const SecretTagged = t.readonly(
  t.type({ type: t.literal("SecretTagged"), data: t.readonly(t.type({ tags: t.readonlyArray(Tag) })), meta }),
);
export type SecretTagged = t.TypeOf<typeof SecretTagged>;

export const SecretUntagged = t.readonly(
  t.type({ type: t.literal("SecretUntagged"), data: t.readonly(t.type({ tagKeys: t.readonlyArray(t.string) })), meta }),
);
export type SecretUntagged = t.TypeOf<typeof SecretUntagged>;

/** DeleteSecret with a recovery window: the secret is kept, unusable, until `deletionDate`. */
export const DeletionScheduled = t.readonly(
  t.type({ type: t.literal("DeletionScheduled"), data: t.readonly(t.type({ deletionDate: t.number })), meta }),
);
export type DeletionScheduled = t.TypeOf<typeof DeletionScheduled>;

export const DeletionCancelled = t.readonly(
  t.type({ type: t.literal("DeletionCancelled"), data: t.readonly(t.type({})), meta }),
);
export type DeletionCancelled = t.TypeOf<typeof DeletionCancelled>;

/**
 * The secret is gone for good (forced, or its recovery window ended); its data keys are destroyed after this
 * event, so its versions, which stay in the log, can never be read again. The name is free once more.
 */
export const SecretDeleted = t.readonly(
  t.type({
    type: t.literal("SecretDeleted"),
    data: t.readonly(t.type({ arn: t.string, versionIds: t.readonlyArray(VersionId), forced: t.boolean })),
    meta,
  }),
);
export type SecretDeleted = t.TypeOf<typeof SecretDeleted>;

/** The first read of a version on a day (UTC): LastAccessedDate, which AWS keeps at day resolution. */
export const SecretAccessed = t.readonly(
  t.type({
    type: t.literal("SecretAccessed"),
    data: t.readonly(t.type({ versionId: VersionId, day: t.number })),
    meta,
  }),
);
export type SecretAccessed = t.TypeOf<typeof SecretAccessed>;

export const ResourcePolicyPut = t.readonly(
  t.type({ type: t.literal("ResourcePolicyPut"), data: t.readonly(t.type({ policy: t.string })), meta }),
);
export type ResourcePolicyPut = t.TypeOf<typeof ResourcePolicyPut>;

export const ResourcePolicyDeleted = t.readonly(
  t.type({ type: t.literal("ResourcePolicyDeleted"), data: t.readonly(t.type({})), meta }),
);
export type ResourcePolicyDeleted = t.TypeOf<typeof ResourcePolicyDeleted>;

/**
 * Versions removed from the secret (no staging label, older than the minimum age): the ciphertext stays in the
 * log, and the data keys are destroyed after this event, so the values can never be read again.
 */
export const VersionsPruned = t.readonly(
  t.type({
    type: t.literal("VersionsPruned"),
    data: t.readonly(t.type({ arn: t.string, versionIds: t.readonlyArray(VersionId) })),
    meta,
  }),
);
export type VersionsPruned = t.TypeOf<typeof VersionsPruned>;

/**
 * The secret's key (which wraps its versions' data keys, beside their values in the log) is replaced by the one
 * of `keyEpoch`, which holds older versions' data keys wrapped anew. Appended with a pruning of versions whose data
 * keys are in the log: the new key holds every surviving version's, and every older key of the secret is erased
 * after this event, taking the pruned versions' with it. Appended when the KmsKeyId changes (`keepOlder`): the new
 * key, under the new master key, holds the labelled versions' (as AWS re-encrypts those), and the older keys stay
 * for the others.
 */
export const SecretKeyReplaced = t.readonly(
  t.type({
    type: t.literal("SecretKeyReplaced"),
    data: t.readonly(
      t.intersection([t.type({ arn: t.string, keyEpoch: t.number }), t.partial({ keepOlder: t.literal(true) })]),
    ),
    meta,
  }),
);
export type SecretKeyReplaced = t.TypeOf<typeof SecretKeyReplaced>;

/** A region a secret is replicated to: the master key its replica is encrypted under there (absent: that
 * region's default key), and whether the replica may replace a secret of the same name there. */
export const ReplicaRegion = t.readonly(
  t.intersection([t.type({ region: t.string }), t.partial({ kmsKeyId: t.string, forceOverwrite: t.boolean })]),
);
export type ReplicaRegion = t.TypeOf<typeof ReplicaRegion>;

/** The secret is replicated to more regions (or a region's replica settings changed). */
export const ReplicaRegionsAdded = t.readonly(
  t.type({
    type: t.literal("ReplicaRegionsAdded"),
    data: t.readonly(t.type({ regions: t.readonlyArray(ReplicaRegion) })),
    meta,
  }),
);
export type ReplicaRegionsAdded = t.TypeOf<typeof ReplicaRegionsAdded>;

/**
 * The secret is no longer replicated to these regions: removed by RemoveRegionsFromReplication (the replicas are
 * deleted there), or, `promoted`, because StopReplicationToReplica made the replica a secret of its own there.
 */
export const ReplicaRegionsRemoved = t.readonly(
  t.type({
    type: t.literal("ReplicaRegionsRemoved"),
    data: t.readonly(
      t.intersection([t.type({ regions: t.readonlyArray(t.string) }), t.partial({ promoted: t.boolean })]),
    ),
    meta,
  }),
);
export type ReplicaRegionsRemoved = t.TypeOf<typeof ReplicaRegionsRemoved>;

/**
 * RotateSecret stored the rotation's configuration: rotation is enabled, with this function and these rules
 * (absent: those already stored are kept).
 */
export const RotationConfigured = t.readonly(
  t.type({
    type: t.literal("RotationConfigured"),
    data: t.readonly(t.partial({ lambdaArn: t.string, rules: RotationRules })),
    meta,
  }),
);
export type RotationConfigured = t.TypeOf<typeof RotationConfigured>;

/**
 * An attempt of rotation `versionId` begins (attempt 1: the rotation itself; more: a retry). Whoever appends
 * it runs the attempt. `testOnly`: RotateImmediately=false, only testSecret runs.
 */
export const RotationStarted = t.readonly(
  t.type({
    type: t.literal("RotationStarted"),
    data: t.readonly(
      t.intersection([
        t.type({ versionId: VersionId, attempt: t.number }),
        t.partial({ testOnly: t.boolean, scheduled: t.boolean }),
      ]),
    ),
    meta,
  }),
);
export type RotationStarted = t.TypeOf<typeof RotationStarted>;

/**
 * An attempt failed at `step`: why, in words that never hold a value; retried from `retryAt`, or (absent) the
 * service gave up and AWSPENDING stays where it is.
 */
export const RotationFailed = t.readonly(
  t.type({
    type: t.literal("RotationFailed"),
    data: t.readonly(
      t.intersection([
        t.type({ versionId: VersionId, attempt: t.number, step: RotationStep, reason: t.string }),
        t.partial({ retryAt: t.number }),
      ]),
    ),
    meta,
  }),
);
export type RotationFailed = t.TypeOf<typeof RotationFailed>;

/** The rotation completed: AWSCURRENT is on its version (LastRotatedDate), or its test passed (`testOnly`). */
export const RotationSucceeded = t.readonly(
  t.type({
    type: t.literal("RotationSucceeded"),
    data: t.readonly(t.intersection([t.type({ versionId: VersionId }), t.partial({ testOnly: t.boolean })])),
    meta,
  }),
);
export type RotationSucceeded = t.TypeOf<typeof RotationSucceeded>;

/** A write moved AWSCURRENT to another version while the rotation ran: it stops, and AWSPENDING is removed. */
export const RotationAbandoned = t.readonly(
  t.type({ type: t.literal("RotationAbandoned"), data: t.readonly(t.type({ versionId: VersionId })), meta }),
);
export type RotationAbandoned = t.TypeOf<typeof RotationAbandoned>;

/** CancelRotateSecret: rotation disabled, the rotation under way (if any) stops; AWSPENDING stays. */
export const RotationCancelled = t.readonly(
  t.type({ type: t.literal("RotationCancelled"), data: t.readonly(t.partial({ versionId: VersionId })), meta }),
);
export type RotationCancelled = t.TypeOf<typeof RotationCancelled>;

export const SecretEvent = t.union([
  SecretCreated,
  VersionCreated,
  LabelMoved,
  SecretUpdated,
  SecretTagged,
  SecretUntagged,
  DeletionScheduled,
  DeletionCancelled,
  SecretDeleted,
  SecretAccessed,
  ResourcePolicyPut,
  ResourcePolicyDeleted,
  VersionsPruned,
  SecretKeyReplaced,
  ReplicaRegionsAdded,
  ReplicaRegionsRemoved,
  VersionFilled,
  RotationConfigured,
  RotationStarted,
  RotationFailed,
  RotationSucceeded,
  RotationAbandoned,
  RotationCancelled,
]);
export type SecretEvent = t.TypeOf<typeof SecretEvent>;

/** The events that record a rotation (its configuration, attempts and outcome). */
export type RotationEvent =
  RotationConfigured | RotationStarted | RotationFailed | RotationSucceeded | RotationAbandoned | RotationCancelled;

export const isRotationEvent = (e: SecretEvent): e is RotationEvent => e.type.startsWith("Rotation");

/** What one JetStream message holds: the ordered events of one command, which land together or not at all. */
export const CommandRecord = t.readonly(
  t.intersection([
    t.type({
      schemaVersion: t.literal(1),
      command: t.string,
      /** The API request that made it (the same id as its audit record); a fresh id for the service's own. */
      requestId: t.string,
      events: t.readonlyArray(SecretEvent),
    }),
    /** Who made it: the caller's ARN. Absent for the service's own commands (pruning, purging deletions). */
    t.partial({ principal: t.string }),
  ]),
);
export type CommandRecord = t.TypeOf<typeof CommandRecord>;

/** The meta of a new event of type `type`: its current schema, and when. */
export const eventMeta = <S extends 1 | 2 = 1>(at: number, type?: SecretEvent["type"]) => ({
  schemaVersion: (type === undefined ? 1 : (CURRENT_EVENT_SCHEMA[type] ?? 1)) as S,
  at,
});

export const secretCreated = (data: SecretCreated["data"], at: number): SecretCreated => ({
  type: "SecretCreated",
  data,
  meta: eventMeta(at),
});
export const versionCreated = (versionId: VersionId, value: SealedValue | undefined, at: number): VersionCreated => ({
  type: "VersionCreated",
  data: value === undefined ? { versionId } : { versionId, value },
  meta: eventMeta<2>(at, "VersionCreated"),
});
export const labelMoved = (
  label: StagingLabel,
  from: VersionId | undefined,
  to: VersionId | undefined,
  at: number,
): LabelMoved => ({
  type: "LabelMoved",
  data: { label, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) },
  meta: eventMeta(at),
});

export const event = <E extends SecretEvent>(type: E["type"], data: E["data"], at: number): E =>
  ({ type, data, meta: eventMeta(at, type) }) as E;

/** The values a record's events hold, by VersionId (those of its VersionCreated and VersionFilled events). */
export const valuesOf = (events: ReadonlyArray<SecretEvent>): ReadonlyMap<string, SealedValue> => {
  const values = new Map<string, SealedValue>();
  for (const e of events)
    if ((e.type === "VersionCreated" || e.type === "VersionFilled") && e.data.value !== undefined)
      values.set(e.data.versionId, e.data.value);
  return values;
};
