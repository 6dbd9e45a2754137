import type { VersionView } from "../../projections/secret-catalog.js";
import type { Listed } from "../application/paging.js";
import type { SecretValue } from "../application/queries/get-secret-value.js";
import { labelledVersions, stagesOf, type ActiveSecret } from "../domain/state.js";
import type { Millis } from "../domain/types.js";

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
    LastChangedDate: seconds(state.lastChangedAt),
    ...(state.lastAccessedDay === undefined ? {} : { LastAccessedDate: seconds(state.lastAccessedDay) }),
    ...(state.deletion === undefined ? {} : { DeletedDate: seconds(state.deletion.deletedAt) }),
    ...(state.tags === undefined ? {} : { Tags: state.tags }),
    ...(labelled.size === 0 ? {} : { [labelMap]: Object.fromEntries(labelled) }),
    CreatedDate: seconds(state.createdAt),
    ...(primaryRegion === undefined ? {} : { PrimaryRegion: primaryRegion }),
  };
};

/** One entry of ListSecretVersionIds. */
export const versionEntry = (secret: ActiveSecret, version: VersionView): Record<string, unknown> => ({
  VersionId: version.versionId,
  ...(version.stages.length === 0 ? {} : { VersionStages: version.stages }),
  CreatedDate: seconds(version.createdAt),
  ...(version.lastAccessedDay === undefined ? {} : { LastAccessedDate: seconds(version.lastAccessedDay) }),
  KmsKeyIds: [secret.kmsKeyId === undefined || secret.kmsKeyId === "" ? "DefaultEncryptionKey" : secret.kmsKeyId],
});
