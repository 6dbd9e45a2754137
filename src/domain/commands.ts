import type {
  Millis,
  RotationRules,
  RotationStep,
  SealedValue,
  SecretName,
  StagingLabel,
  Tag,
  VersionId,
} from "./types.js";

/**
 * How many versions a secret keeps (the service's configuration, carried by the commands that need it): above
 * `keep`, versions with no label older than `minAgeMs` are pruned, oldest first; `quota` is the most versions
 * a secret may hold.
 */
export type VersionPolicy = { readonly keep: number; readonly minAgeMs: Millis; readonly quota: number };

// Commands carry everything the decider needs as data: the time, the ARN drawn for a new secret, and values
// already sealed by the crypto layer. The decider never calls a clock, a random source or a cipher.

export type CreateSecret = {
  readonly type: "CreateSecret";
  readonly data: {
    readonly name: SecretName;
    readonly arn: string;
    readonly clientRequestToken?: VersionId;
    readonly secretString?: SealedValue;
    readonly secretBinary?: SealedValue;
    readonly description?: string;
    readonly kmsKeyId?: string;
    readonly tags?: ReadonlyArray<Tag>;
    /** AddReplicaRegions, ForceOverwriteReplicaSecret, and the region the secret is made in. */
    readonly replication?: Replication;
    readonly now: Millis;
  };
};

/** Where a secret is to be replicated, as ReplicateSecretToRegions and CreateSecret ask it. */
export type Replication = {
  readonly regions: ReadonlyArray<{ readonly region: string; readonly kmsKeyId?: string }>;
  readonly forceOverwrite?: boolean;
  /** The primary's own region: a secret is never replicated to it. */
  readonly homeRegion: string;
};

export type ReplicateSecretToRegions = {
  readonly type: "ReplicateSecretToRegions";
  readonly data: Replication & { readonly now: Millis };
};

/**
 * RemoveRegionsFromReplication; or, issued by the service when a region reports that StopReplicationToReplica
 * promoted its replica, `promoted` with the addition (its time) that replica came from.
 */
export type RemoveRegionsFromReplication = {
  readonly type: "RemoveRegionsFromReplication";
  readonly data: {
    readonly regions: ReadonlyArray<string>;
    readonly promoted?: { readonly addedAt: Millis };
    readonly now: Millis;
  };
};

/**
 * StopReplicationToReplica, in the replica's region: the replica, as this region serves it, becomes a secret of
 * this region's own log, with the same name, ARN, versions (values sealed anew for this log) and labels.
 */
export type PromoteReplica = {
  readonly type: "PromoteReplica";
  readonly data: {
    readonly replica: {
      readonly name: SecretName;
      readonly arn: string;
      readonly description?: string;
      readonly kmsKeyId?: string;
      readonly tags?: ReadonlyArray<Tag>;
      readonly resourcePolicy?: string;
      readonly versions: ReadonlyArray<{
        readonly versionId: VersionId;
        readonly createdAt: Millis;
        readonly value?: SealedValue;
      }>;
      readonly labels: ReadonlyArray<readonly [StagingLabel, VersionId]>;
    };
    /** The primary secret's ARN. */
    readonly promotedFrom: string;
    readonly now: Millis;
  };
};

export type PutSecretValue = {
  readonly type: "PutSecretValue";
  readonly data: {
    readonly clientRequestToken?: VersionId;
    readonly secretString?: SealedValue;
    readonly secretBinary?: SealedValue;
    readonly versionStages?: ReadonlyArray<StagingLabel>;
    readonly versionPolicy: VersionPolicy;
    readonly now: Millis;
  };
};

export type UpdateSecretVersionStage = {
  readonly type: "UpdateSecretVersionStage";
  readonly data: {
    readonly versionStage: StagingLabel;
    readonly moveToVersionId?: VersionId;
    readonly removeFromVersionId?: VersionId;
    readonly now: Millis;
  };
};

export type UpdateSecret = {
  readonly type: "UpdateSecret";
  readonly data: {
    readonly clientRequestToken?: VersionId;
    readonly secretString?: SealedValue;
    readonly secretBinary?: SealedValue;
    readonly description?: string;
    readonly kmsKeyId?: string;
    readonly versionPolicy: VersionPolicy;
    readonly now: Millis;
  };
};

export type TagResource = {
  readonly type: "TagResource";
  readonly data: { readonly tags: ReadonlyArray<Tag>; readonly now: Millis };
};

export type UntagResource = {
  readonly type: "UntagResource";
  readonly data: { readonly tagKeys: ReadonlyArray<string>; readonly now: Millis };
};

export type DeleteSecret = {
  readonly type: "DeleteSecret";
  readonly data: {
    readonly recoveryWindowInDays?: number;
    readonly forceDeleteWithoutRecovery?: boolean;
    readonly now: Millis;
  };
};

export type RestoreSecret = { readonly type: "RestoreSecret"; readonly data: { readonly now: Millis } };

/** Issued by the service itself: completes a deletion whose recovery window has ended. */
export type PurgeDeletedSecret = { readonly type: "PurgeDeletedSecret"; readonly data: { readonly now: Millis } };

/** Issued by the service when a version is read: records the day of the read, once per day. */
export type RecordAccess = {
  readonly type: "RecordAccess";
  readonly data: { readonly versionId: VersionId; readonly now: Millis };
};

export type PutResourcePolicy = {
  readonly type: "PutResourcePolicy";
  readonly data: { readonly policy: string; readonly blockPublicPolicy?: boolean; readonly now: Millis };
};

export type DeleteResourcePolicy = { readonly type: "DeleteResourcePolicy"; readonly data: { readonly now: Millis } };

/** Issued by the compactor: prunes what the version policy allows. */
export type PruneVersions = {
  readonly type: "PruneVersions";
  readonly data: { readonly versionPolicy: VersionPolicy; readonly now: Millis };
};

/** Whose data keys a secret's new key holds: after a pruning, every surviving version's; else the labelled ones'. */
export type Carrying = "every version" | "labelled versions";

/** Issued by the command pipeline after a command that calls for it: the secret's key of `keyEpoch` is its key now. */
export type ReplaceSecretKey = {
  readonly type: "ReplaceSecretKey";
  readonly data: { readonly keyEpoch: number; readonly carrying: Carrying; readonly now: Millis };
};

/**
 * RotateSecret: stores the configuration and starts a rotation (its empty AWSPENDING version `token`); with
 * `rotateImmediately` false, a test of the function against `currentCopy`, the current value sealed anew.
 */
export type RotateSecret = {
  readonly type: "RotateSecret";
  readonly data: {
    readonly clientRequestToken?: VersionId;
    readonly lambdaArn?: string;
    readonly rules?: RotationRules;
    readonly rotateImmediately: boolean;
    readonly currentCopy?: SealedValue;
    readonly versionPolicy: VersionPolicy;
    readonly now: Millis;
  };
};

export type CancelRotateSecret = { readonly type: "CancelRotateSecret"; readonly data: { readonly now: Millis } };

/** Issued by the scheduler: starts the rotation its schedule says is due (new version `token`), if it is. */
export type StartScheduledRotation = {
  readonly type: "StartScheduledRotation";
  readonly data: { readonly token: VersionId; readonly versionPolicy: VersionPolicy; readonly now: Millis };
};

/**
 * Issued by the rotation runner: claims attempt `attempt` of rotation `versionId`, once the failed attempt before
 * it may be retried, or once that attempt has run longer than `leaseMs` (its runner is gone).
 */
export type RetryRotation = {
  readonly type: "RetryRotation";
  readonly data: {
    readonly versionId: VersionId;
    readonly attempt: number;
    readonly leaseMs: number;
    readonly now: Millis;
  };
};

/** Issued by the rotation runner: attempt `attempt` failed at `step`; retried from `retryAt`, or given up. */
export type RecordRotationFailure = {
  readonly type: "RecordRotationFailure";
  readonly data: {
    readonly versionId: VersionId;
    readonly attempt: number;
    readonly step: RotationStep;
    readonly reason: string;
    readonly retryAt?: Millis;
    readonly now: Millis;
  };
};

/** Issued by the rotation runner after the last step: the rotation is complete if the labels say so. */
export type CompleteRotation = {
  readonly type: "CompleteRotation";
  readonly data: { readonly versionId: VersionId; readonly attempt: number; readonly now: Millis };
};

export type SecretCommand =
  | CreateSecret
  | PutSecretValue
  | UpdateSecretVersionStage
  | UpdateSecret
  | TagResource
  | UntagResource
  | DeleteSecret
  | RestoreSecret
  | PurgeDeletedSecret
  | RecordAccess
  | PutResourcePolicy
  | DeleteResourcePolicy
  | PruneVersions
  | ReplaceSecretKey
  | ReplicateSecretToRegions
  | RemoveRegionsFromReplication
  | PromoteReplica
  | RotateSecret
  | CancelRotateSecret
  | StartScheduledRotation
  | RetryRotation
  | RecordRotationFailure
  | CompleteRotation;
