import type { Refusal } from "../access/authorizer.js";
import type { ServiceError } from "../application/errors.js";
import type { PasswordRefusal } from "../crypto/random-password.js";
import type { InputProblem } from "./model.js";
import type { AuthFailure } from "../access/sigv4.js";

/**
 * An AWS error as it goes on the wire: `{"__type": type, "Message": message}` with `status`. This file is the
 * one place where the service's failures become AWS error types and texts. Modelled exceptions carry
 * `Message`; framework errors (authentication, serialisation, routing) carry `message`, as AWS sends them.
 */
export type AwsError = {
  readonly type: string;
  readonly message: string;
  readonly status: number;
  readonly messageKey: "Message" | "message";
};

const modelled = (type: string, message: string): AwsError => ({ type, message, status: 400, messageKey: "Message" });
const framework = (type: string, message: string, status = 400): AwsError => ({
  type,
  message,
  status,
  messageKey: "message",
});

export const internalError: AwsError = {
  type: "InternalServiceError",
  message: "An error occurred on the server side.",
  status: 500,
  messageKey: "Message",
};

/**
 * The log cannot be reached (NATS down, or no answer in time): a temporary condition the SDKs and the CLI retry
 * (HTTP 503, as AWS answers `ServiceUnavailable`). A write answered so may or may not have landed; its retry
 * with the same ClientRequestToken is what makes that safe.
 */
export const serviceUnavailable: AwsError = framework(
  "ServiceUnavailable",
  "The service is unavailable. Please try again later.",
  503,
);

const SECRET_NOT_FOUND = "Secrets Manager can't find the specified secret.";
const TOKEN_MISSING = "You must provide a ClientRequestToken value. We recommend a UUID-type value.";
const tokenInUse = (token: string, arn: string): string =>
  `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${arn}.`;

/** IAM's refusal, worded as AWS words it. */
export const accessDenied = (r: Refusal): AwsError =>
  modelled(
    "AccessDeniedException",
    `User: ${r.principalArn} is not authorized to perform: ${r.action}${r.resource === undefined ? "" : ` on resource: ${r.resource}`} ` +
      (r.why === "no identity-based policy allows" ? `because ${r.why} the ${r.action} action` : `with an ${r.why}`),
  );

export const fromServiceError = (e: ServiceError): AwsError => {
  switch (e._tag) {
    case "SecretNotFound":
      return modelled("ResourceNotFoundException", SECRET_NOT_FOUND);
    case "SecretAlreadyExists":
      return modelled("ResourceExistsException", `The operation failed because the secret ${e.name} already exists.`);
    case "ClientRequestTokenMissing":
      return modelled("InvalidRequestException", TOKEN_MISSING);
    case "ClientRequestTokenInUse":
      return modelled("ResourceExistsException", tokenInUse(e.token, e.arn));
    case "SecretValueMissing":
      return modelled("InvalidRequestException", "You must provide either SecretString or SecretBinary.");
    case "SecretValueAmbiguous":
      return modelled(
        "InvalidParameterException",
        "You can't specify both a binary secret value and a string secret value in the same secret.",
      );
    case "StagingLabelQuotaExceeded":
      return modelled(
        "LimitExceededException",
        `A secret can have at most ${e.limit} staging labels attached across all of its versions.`,
      );
    case "VersionNotFound":
    case "UnknownVersion":
      return modelled(
        "ResourceNotFoundException",
        `Secrets Manager can't find the specified secret value for VersionId: ${e.versionId}`,
      );
    case "StagingLabelNotFound":
      return modelled(
        "ResourceNotFoundException",
        `Secrets Manager can't find the specified secret value for staging label: ${e.label}`,
      );
    case "StageNotOnVersion":
      return modelled(
        "InvalidRequestException",
        "You provided a VersionStage that is not associated to the provided VersionId.",
      );
    case "RemoveFromVersionRequired":
      return modelled(
        "InvalidParameterException",
        `The parameter RemoveFromVersionId can't be empty. Staging label ${e.label} is currently attached to version ${e.holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
    case "RemoveFromVersionMismatch":
      return modelled(
        "InvalidParameterException",
        `When you move staging label ${e.label}, if you specify RemoveFromVersionId, it must be set to the version that currently has the staging label ${e.label}.`,
      );
    case "StageNotOnRemoveFromVersion":
      return modelled(
        "InvalidParameterException",
        `The staging label ${e.label} is not attached to version ${e.versionId}.`,
      );
    case "CurrentCannotBeDetached":
      return modelled(
        "InvalidParameterException",
        "You can't remove the staging label AWSCURRENT from a version without moving it to another version: a secret always has an AWSCURRENT version.",
      );
    case "StageTargetMissing":
      return modelled("InvalidParameterException", "You must specify MoveToVersionId, RemoveFromVersionId, or both.");
    case "SecretScheduledForDeletion":
      return modelled(
        "InvalidRequestException",
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    case "NameScheduledForDeletion":
      return modelled(
        "InvalidRequestException",
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    case "DeletionAlreadyScheduled":
      return modelled(
        "InvalidRequestException",
        "You can't perform this operation on the secret because it was already scheduled for deletion.",
      );
    case "RecoveryWindowOutOfRange":
      return modelled(
        "InvalidParameterException",
        "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
      );
    case "RecoveryWindowWithForce":
      return modelled(
        "InvalidParameterException",
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    case "TagQuotaExceeded":
      return modelled("InvalidParameterException", `A secret can have at most ${e.limit} tags.`);
    case "ReservedTagKey":
      return modelled("InvalidParameterException", `Tag keys that start with aws: are reserved for AWS use: ${e.key}`);
    case "MalformedPolicy":
      return modelled("MalformedPolicyDocumentException", `This resource policy contains a syntax error: ${e.message}`);
    case "PublicPolicyBlocked":
      return modelled(
        "PublicPolicyException",
        "This resource policy grants public access to the secret, and BlockPublicPolicy is set.",
      );
    case "VersionQuotaExceeded":
      return modelled(
        "LimitExceededException",
        `You have exceeded the quota of ${e.quota} versions for this secret. Versions with no staging label are removed once they are more than 24 hours old.`,
      );
    case "DecryptionFailed":
      return modelled(
        "DecryptionFailure",
        "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
      );
    case "AccessDenied":
      return accessDenied(e.refusal);
    case "EncryptionFailed":
      return modelled(
        "EncryptionFailure",
        "Secrets Manager can't encrypt the protected secret text using the provided KMS key. Check that the KMS key is available, enabled, and not in an invalid state.",
      );
    case "SecretQuotaExceeded":
      return modelled("LimitExceededException", `You have reached the quota of ${e.limit} secrets in this region.`);
    case "FilterIncomplete":
      return modelled("InvalidParameterException", "Each filter must have a Key and Values.");
    case "BatchSelectionAmbiguous":
      return modelled(
        "InvalidParameterException",
        "Either 'SecretIdList' or 'Filters' must be provided, but not both.",
      );
    case "BatchMaxResultsWithoutFilters":
      return modelled(
        "InvalidParameterException",
        "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.",
      );
    case "InvalidNextToken":
      return modelled("InvalidNextTokenException", "The NextToken value is invalid.");
    case "InvalidReplicaRegion":
      return modelled("InvalidParameterException", "Invalid replica region.");
    case "SecretHasReplicas":
      return modelled(
        "InvalidParameterException",
        `You can't delete secret ${e.arn} that still has replica regions [${e.regions.join(", ")}]`,
      );
    case "ReplicaReadOnly":
      return modelled(
        "InvalidParameterException",
        "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
      );
    case "NotAReplica":
      return modelled("InvalidParameterException", "The secret is not a replica secret in this region.");
    // RotateSecret refuses a missing token with another type than the other writes do (observed on AWS).
    case "RotationTokenMissing":
      return modelled("InvalidParameterException", TOKEN_MISSING);
    case "RotationTokenInUse":
      return modelled("InvalidRequestException", tokenInUse(e.token, e.arn));
    case "RotationFunctionMissing":
      return modelled("InvalidRequestException", "No Lambda rotation function ARN is associated with this secret.");
    case "RotationFunctionNotInvokable":
      return modelled(
        "AccessDeniedException",
        "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.",
      );
    case "RotationIncomplete":
      return modelled(
        "InvalidRequestException",
        "A previous rotation isn't complete. That rotation will be reattempted.",
      );
    case "InvalidRotationRules":
      return modelled("InvalidParameterException", e.message);
    case "RotationNotConfigured":
      return modelled(
        "InvalidRequestException",
        "Rotation isn't configured for this secret, so there is nothing to cancel.",
      );
    case "RotationNotFinished":
      return modelled("InvalidRequestException", "AWSPENDING is still on a version that isn't AWSCURRENT.");
    case "ContentionExhausted":
    case "StorageUnavailable":
      return serviceUnavailable;
    default: {
      const unknownError: never = e;
      return unknownError;
    }
  }
};

export const fromAuthFailure = (e: AuthFailure): AwsError => {
  switch (e._tag) {
    case "MissingAuthenticationToken":
      return framework("MissingAuthenticationTokenException", "Missing Authentication Token");
    case "IncompleteSignature":
      return framework("IncompleteSignatureException", e.message);
    case "UnrecognizedClient":
      return framework("UnrecognizedClientException", "The security token included in the request is invalid.");
    case "InvalidSignature":
      return framework("InvalidSignatureException", e.message);
    default: {
      const unknownFailure: never = e;
      return unknownFailure;
    }
  }
};

export const fromPasswordRefusal = (e: PasswordRefusal): AwsError => {
  switch (e._tag) {
    case "NoCharactersLeft":
      return modelled("InvalidParameterException", "The exclusions leave no characters to make a password from.");
    case "PasswordTooShortForTypes":
      return modelled("InvalidParameterException", "Password length is too short based on the required types.");
    default: {
      const unknownRefusal: never = e;
      return unknownRefusal;
    }
  }
};

/** Wrong JSON types are a SerializationException; broken constraints are listed in one ValidationException. */
export const fromInputProblems = (problems: ReadonlyArray<InputProblem>): AwsError => {
  const wrongType = problems.find((p) => p._tag === "WrongType");
  if (wrongType !== undefined)
    return framework("SerializationException", `${wrongType.actual} can not be converted to ${wrongType.expected}`);
  const parts = problems.map((p) =>
    p._tag === "ConstraintViolated"
      ? `Value ${p.sensitive ? "" : `${render(p.value)} `}at '${p.path}' failed to satisfy constraint: ${p.constraint}`
      : "",
  );
  const count = `${parts.length} validation error${parts.length === 1 ? "" : "s"} detected: `;
  return modelled("ValidationException", count + parts.join("; "));
};

const render = (value: unknown): string => {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value))
    return `'[${value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ")}]'`;
  return `'${typeof value === "string" ? value : JSON.stringify(value)}'`;
};

export const invalidName = modelled(
  "ValidationException",
  "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
);
export const malformedBody = (detail: string): AwsError => framework("SerializationException", detail);
/** A secret-ledger operation (not in the AWS model) given an input it cannot take. */
export const invalidParameter = (message: string): AwsError => modelled("InvalidParameterException", message);
export const unknownOperation = (target: string): AwsError =>
  framework(
    "UnknownOperationException",
    target === "" ? "Missing X-Amz-Target header." : `Unknown operation ${target}`,
  );
export const notYetSupported = (operation: string): AwsError =>
  framework("UnknownOperationException", `The operation ${operation} is not supported by this server yet.`);
export const throttled: AwsError = framework("ThrottlingException", "Rate exceeded");
export const bodyTooLarge: AwsError = framework("SerializationException", "The request body is too large.", 413);
/** Requests node:http itself cannot take: they never reach an operation, and their connection is closed. */
export const headersTooLarge: AwsError = framework(
  "RequestHeaderFieldsTooLarge",
  "The request's headers are too large.",
  431,
);
export const requestTimedOut: AwsError = framework("RequestTimeout", "The request was not received in time.", 408);
export const unparseableRequest: AwsError = framework("BadRequest", "The request could not be parsed.");
