import * as t from "io-ts";

// Branded identifiers: a plain string has to pass through a codec (or a decider) to become one of these.
interface SecretNameBrand {
  readonly SecretName: unique symbol;
}
export const SecretName = t.brand(
  t.string,
  (s): s is t.Branded<string, SecretNameBrand> => s.length >= 1 && s.length <= 512,
  "SecretName",
);
export type SecretName = t.TypeOf<typeof SecretName>;

interface VersionIdBrand {
  readonly VersionId: unique symbol;
}
export const VersionId = t.brand(
  t.string,
  (s): s is t.Branded<string, VersionIdBrand> => s.length >= 32 && s.length <= 64,
  "VersionId",
);
export type VersionId = t.TypeOf<typeof VersionId>;

interface StagingLabelBrand {
  readonly StagingLabel: unique symbol;
}
export const StagingLabel = t.brand(
  t.string,
  (s): s is t.Branded<string, StagingLabelBrand> => s.length >= 1 && s.length <= 256,
  "StagingLabel",
);
export type StagingLabel = t.TypeOf<typeof StagingLabel>;

export const AWSCURRENT = "AWSCURRENT" as StagingLabel;
export const AWSPREVIOUS = "AWSPREVIOUS" as StagingLabel;
export const AWSPENDING = "AWSPENDING" as StagingLabel;

/** Epoch milliseconds. Time enters the domain only as data. */
export type Millis = number;

/**
 * Where the data key that opens a value is. `log`: beside the value, wrapped under the secret's key of `epoch`
 * (kept in the key store, one per secret, replaced when versions are pruned); or, for values written before
 * event schema 2 and for replicas and promoted replicas, `key-store`: wrapped under a master key in the key store,
 * one per version.
 */
export const DataKeyRef = t.union([
  t.readonly(t.type({ in: t.literal("log"), epoch: t.number, wrapped: t.string })),
  t.readonly(t.type({ in: t.literal("key-store") })),
]);
export type DataKeyRef = t.TypeOf<typeof DataKeyRef>;

/**
 * A secret value as the log holds it: ciphertext under the version's own data key, plus a keyed fingerprint
 * (HMAC under a key derived from that same data key) so that "same token, same value" can be decided without
 * plaintext. Destroying the data key makes both useless. `key`
 * says where that data key is.
 */
export const SealedValue = t.readonly(
  t.type({
    kind: t.keyof({ string: null, binary: null }),
    ciphertext: t.string,
    fingerprint: t.string,
    key: DataKeyRef,
  }),
);
export type SealedValue = t.TypeOf<typeof SealedValue>;

/** Where a value's data key is, without the key: what the projection keeps of a DataKeyRef. */
export const KeyPlace = t.union([
  t.readonly(t.type({ in: t.literal("log"), epoch: t.number })),
  t.readonly(t.type({ in: t.literal("key-store") })),
]);
export type KeyPlace = t.TypeOf<typeof KeyPlace>;

/**
 * A value as the projection keeps it: what the rules need of it (its kind, its fingerprint, where its data key is)
 * and the log record that holds it (`seq`), from which its ciphertext is read when it is opened. Without `seq`: a
 * value of events not yet in the log (a command's outcome before its append), found among those events.
 */
export const ValueRef = t.readonly(
  t.intersection([
    t.type({ kind: SealedValue.type.props.kind, fingerprint: t.string, key: KeyPlace }),
    t.partial({ seq: t.number }),
  ]),
);
export type ValueRef = t.TypeOf<typeof ValueRef>;

export const Tag = t.readonly(t.type({ Key: t.string, Value: t.string }));
export type Tag = t.TypeOf<typeof Tag>;

/** RotateSecret's RotationRules: a number of days, or a rate()/cron() schedule, with an optional window. */
export const RotationRules = t.readonly(
  t.partial({ automaticallyAfterDays: t.number, scheduleExpression: t.string, duration: t.string }),
);
export type RotationRules = t.TypeOf<typeof RotationRules>;

/** The four steps of AWS's rotation contract, in the order they run. */
export const ROTATION_STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;
export const RotationStep = t.keyof({ createSecret: null, setSecret: null, testSecret: null, finishSecret: null });
export type RotationStep = t.TypeOf<typeof RotationStep>;
