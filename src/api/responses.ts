import type { VersionView } from "../../projections/secret-catalog.js";
import type { SecretCreated } from "../application/commands/create-secret.js";
import type { SecretDeletion } from "../application/commands/delete-secret.js";
import type { SecretReplication } from "../application/commands/replicate-secret-to-regions.js";
import type { Listed, SecretsPage } from "../application/paging.js";
import type { SecretDescription } from "../application/queries/describe-secret.js";
import type { SecretValue } from "../application/queries/get-secret-value.js";
import type { VersionsPage } from "../application/queries/list-secret-version-ids.js";
import type { PolicyFinding } from "../application/queries/resource-policy.js";
import * as E from "fp-ts/lib/Either.js";
import { nextRotation } from "../domain/rotation.js";
import { daysBetweenRotations, scheduleOf } from "../domain/rotation-schedule.js";
import { labelledVersions, stagesOf, type ActiveSecret } from "../domain/state.js";
import type { Millis, VersionId } from "../domain/types.js";

// The AWS output shapes: what each operation answers, built from what its use case returns. Member names and
// their order are AWS's (the answers are compared byte for byte in the tests of the wire).

/** Epoch seconds with millisecond precision: how AWS JSON carries timestamps. */
export const seconds = (millis: Millis): number => millis / 1000;

export const arnAndName = (secret: ActiveSecret): { ARN: string; Name: string } => ({
  ARN: secret.arn,
  Name: secret.name,
});

/** GetSecretValue's answer (and each of BatchGetSecretValue's); SecretBinary travels as base64. */
export const secretValueOutput = ({ secret, version, plaintext }: SecretValue): object => ({
  ARN: secret.arn,
  Name: secret.name,
  VersionId: version.versionId,
  ...(version.value.kind === "string"
    ? { SecretString: plaintext.toString("utf8") }
    : { SecretBinary: plaintext.toString("base64") }),
  VersionStages: stagesOf(secret, version.versionId),
  CreatedDate: seconds(version.createdAt),
});

/** What DescribeSecret and a ListSecrets entry show of a secret; they differ in the label map's name. */
export const secretMetadata = (
  { state, primaryRegion }: Listed,
  labelMap: "VersionIdsToStages" | "SecretVersionsToStages",
): Record<string, unknown> => {
  const labelled = labelledVersions(state);
  return {
    ARN: state.arn,
    Name: state.name,
    // An empty description is stored but not returned, as on AWS.
    ...(state.description === undefined || state.description === "" ? {} : { Description: state.description }),
    ...(state.kmsKeyId === undefined || state.kmsKeyId === "" ? {} : { KmsKeyId: state.kmsKeyId }),
    ...rotationMembers(state),
    LastChangedDate: seconds(state.lastChangedAt),
    ...(state.lastAccessedDay === undefined ? {} : { LastAccessedDate: seconds(state.lastAccessedDay) }),
    ...(state.deletion === undefined ? {} : { DeletedDate: seconds(state.deletion.deletedAt) }),
    ...nextRotationMember(state),
    ...(state.tags === undefined ? {} : { Tags: state.tags }),
    ...(labelled.size === 0 ? {} : { [labelMap]: Object.fromEntries(labelled) }),
    CreatedDate: seconds(state.createdAt),
    ...(primaryRegion === undefined ? {} : { PrimaryRegion: primaryRegion }),
  };
};

/**
 * RotationEnabled, RotationLambdaARN, RotationRules (with AutomaticallyAfterDays computed for a schedule
 * expression) and LastRotatedDate: absent until rotation is first configured; the rules and function stay
 * after CancelRotateSecret, LastRotatedDate only while rotation is enabled.
 */
const rotationMembers = (state: ActiveSecret): Record<string, unknown> => {
  const rotation = state.rotation;
  if (rotation === undefined) return {};
  const rules = rotation.rules;
  const schedule = rules === undefined ? undefined : scheduleOf(rules);
  const days =
    rules?.automaticallyAfterDays ??
    (schedule !== undefined && E.isRight(schedule) && schedule.right !== undefined
      ? daysBetweenRotations(schedule.right, rotation.configuredAt)
      : undefined);
  return {
    RotationEnabled: rotation.enabled,
    ...(rotation.lambdaArn === undefined ? {} : { RotationLambdaARN: rotation.lambdaArn }),
    ...(rules === undefined
      ? {}
      : {
          RotationRules: {
            ...(days === undefined ? {} : { AutomaticallyAfterDays: days }),
            ...(rules.duration === undefined ? {} : { Duration: rules.duration }),
            ...(rules.scheduleExpression === undefined ? {} : { ScheduleExpression: rules.scheduleExpression }),
          },
        }),
    ...(rotation.enabled && rotation.lastRotatedAt !== undefined
      ? { LastRotatedDate: seconds(rotation.lastRotatedAt) }
      : {}),
  };
};

/** NextRotationDate: the end of the schedule's next window, while rotation is enabled with a schedule. */
const nextRotationMember = (state: ActiveSecret): Record<string, unknown> => {
  const next = nextRotation(state);
  return next === undefined ? {} : { NextRotationDate: seconds(next.end) };
};

/** One entry of ListSecretVersionIds. */
export const versionEntry = (secret: ActiveSecret, version: VersionView): Record<string, unknown> => ({
  VersionId: version.versionId,
  ...(version.stages.length === 0 ? {} : { VersionStages: version.stages }),
  CreatedDate: seconds(version.createdAt),
  ...(version.lastAccessedDay === undefined ? {} : { LastAccessedDate: seconds(version.lastAccessedDay) }),
  KmsKeyIds: [secret.kmsKeyId === undefined || secret.kmsKeyId === "" ? "DefaultEncryptionKey" : secret.kmsKeyId],
});

export const createSecretOutput = ({ secret, versionId, replicationStatus }: SecretCreated): object => ({
  ...arnAndName(secret),
  ...(versionId === undefined ? {} : { VersionId: versionId }),
  ...(replicationStatus === undefined ? {} : { ReplicationStatus: replicationStatus }),
});

export const putSecretValueOutput = ({
  secret,
  versionId,
}: {
  secret: ActiveSecret;
  versionId: VersionId;
}): object => ({
  ...arnAndName(secret),
  VersionId: versionId,
  VersionStages: stagesOf(secret, versionId),
});

export const updateSecretOutput = ({ secret, versionId }: { secret: ActiveSecret; versionId?: VersionId }): object => ({
  ...arnAndName(secret),
  ...(versionId === undefined ? {} : { VersionId: versionId }),
});

export const deleteSecretOutput = ({ arn, name, deletionDate }: SecretDeletion): object => ({
  ARN: arn,
  Name: name,
  DeletionDate: seconds(deletionDate),
});

export const getResourcePolicyOutput = (secret: ActiveSecret): object => ({
  ...arnAndName(secret),
  ...(secret.resourcePolicy === undefined ? {} : { ResourcePolicy: secret.resourcePolicy }),
});

export const validateResourcePolicyOutput = (findings: ReadonlyArray<PolicyFinding>): object => ({
  PolicyValidationPassed: findings.length === 0,
  ValidationErrors: findings.map((p) => ({ CheckName: p.check, ErrorMessage: p.message })),
});

export const describeSecretOutput = (described: SecretDescription): object => ({
  ...secretMetadata(described, "VersionIdsToStages"),
  ...(described.replicationStatus === undefined ? {} : { ReplicationStatus: described.replicationStatus }),
});

export const listSecretsOutput = ({ secrets, nextToken }: SecretsPage): object => ({
  SecretList: secrets.map((listed) => secretMetadata(listed, "SecretVersionsToStages")),
  ...(nextToken === undefined ? {} : { NextToken: nextToken }),
});

export const listSecretVersionIdsOutput = ({ secret, versions, nextToken }: VersionsPage): object => ({
  Versions: versions.map((v) => versionEntry(secret, v)),
  ...(nextToken === undefined ? {} : { NextToken: nextToken }),
  ...arnAndName(secret),
});

/** ReplicateSecretToRegions' and RemoveRegionsFromReplication's answer. */
export const replicationOutput = ({ secret, replicationStatus }: SecretReplication): object => ({
  ARN: secret.arn,
  ReplicationStatus: replicationStatus,
});

export const arnOnly = (secret: ActiveSecret): object => ({ ARN: secret.arn });

/** RotateSecret's answer: the version the rotation fills (the token). */
export const rotateSecretOutput = ({ secret, versionId }: { secret: ActiveSecret; versionId: VersionId }): object => ({
  ...arnAndName(secret),
  VersionId: versionId,
});

/** CancelRotateSecret's answer: the version the cancelled rotation made, if any. */
export const cancelRotateSecretOutput = ({
  secret,
  versionId,
}: {
  secret: ActiveSecret;
  versionId?: VersionId;
}): object => ({ ...arnAndName(secret), ...(versionId === undefined ? {} : { VersionId: versionId }) });
