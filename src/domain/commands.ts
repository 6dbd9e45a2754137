import type { Millis, SealedValue, SecretName, StagingLabel, Tag, VersionId } from "./types.js";

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

export type SecretCommand = CreateSecret | PutSecretValue | UpdateSecretVersionStage;
