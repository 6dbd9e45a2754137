import type { SecretName, StagingLabel, VersionId } from "./types.js";

/**
 * Why the decider refused a command or a read. Each tag is one AWS rule; the API edge maps them to AWS error
 * types and messages in one place (src/api/errors.ts).
 */
export type SecretError =
  | { readonly _tag: "SecretNotFound" }
  | { readonly _tag: "SecretAlreadyExists"; readonly name: SecretName }
  | { readonly _tag: "ClientRequestTokenMissing" }
  | { readonly _tag: "ClientRequestTokenInUse"; readonly token: VersionId; readonly arn: string }
  | { readonly _tag: "SecretValueMissing" }
  | { readonly _tag: "SecretValueAmbiguous" }
  | { readonly _tag: "StagingLabelQuotaExceeded"; readonly limit: number }
  | { readonly _tag: "VersionNotFound"; readonly versionId: VersionId }
  | { readonly _tag: "StagingLabelNotFound"; readonly label: StagingLabel }
  | { readonly _tag: "StageNotOnVersion" }
  | { readonly _tag: "RemoveFromVersionRequired"; readonly label: StagingLabel; readonly holder: VersionId }
  | { readonly _tag: "RemoveFromVersionMismatch"; readonly label: StagingLabel }
  | { readonly _tag: "UnknownVersion"; readonly versionId: VersionId }
  | { readonly _tag: "StageNotOnRemoveFromVersion"; readonly label: StagingLabel; readonly versionId: VersionId }
  | { readonly _tag: "CurrentCannotBeDetached" }
  | { readonly _tag: "StageTargetMissing" }
  | { readonly _tag: "SecretScheduledForDeletion" }
  | { readonly _tag: "NameScheduledForDeletion" }
  | { readonly _tag: "DeletionAlreadyScheduled" }
  | { readonly _tag: "RecoveryWindowOutOfRange" }
  | { readonly _tag: "RecoveryWindowWithForce" }
  | { readonly _tag: "TagQuotaExceeded"; readonly limit: number }
  | { readonly _tag: "ReservedTagKey"; readonly key: string }
  | { readonly _tag: "MalformedPolicy"; readonly message: string }
  | { readonly _tag: "PublicPolicyBlocked" }
  | { readonly _tag: "VersionQuotaExceeded"; readonly quota: number }
  | { readonly _tag: "InvalidReplicaRegion" }
  | { readonly _tag: "SecretHasReplicas"; readonly arn: string; readonly regions: ReadonlyArray<string> }
  | { readonly _tag: "RotationTokenMissing" }
  | { readonly _tag: "RotationTokenInUse"; readonly token: VersionId; readonly arn: string }
  | { readonly _tag: "RotationFunctionMissing" }
  | { readonly _tag: "RotationIncomplete" }
  | { readonly _tag: "InvalidRotationRules"; readonly message: string }
  | { readonly _tag: "RotationNotConfigured" }
  | { readonly _tag: "RotationNotFinished" };
