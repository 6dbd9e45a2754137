import type { Refusal } from "../access/authorizer.js";
import type { SecretError } from "../domain/errors.js";

/** What a request can fail with once it is valid: a domain rule, or a part of the service itself. */
export type ServiceError =
  | SecretError
  | { readonly _tag: "DecryptionFailed" }
  | { readonly _tag: "EncryptionFailed" }
  | { readonly _tag: "AccessDenied"; readonly refusal: Refusal }
  | { readonly _tag: "InvalidNextToken" }
  | { readonly _tag: "FilterIncomplete" }
  | { readonly _tag: "SecretQuotaExceeded"; readonly limit: number }
  | { readonly _tag: "BatchSelectionAmbiguous" }
  | { readonly _tag: "BatchMaxResultsWithoutFilters" }
  /** A write to a replica: writes go to the primary's region. */
  | { readonly _tag: "ReplicaReadOnly" }
  /** StopReplicationToReplica on a secret that is not a replica here. */
  | { readonly _tag: "NotAReplica" }
  /** RotateSecret names a function this service cannot invoke (none by that name in the functions file). */
  | { readonly _tag: "RotationFunctionNotInvokable" }
  | { readonly _tag: "ContentionExhausted" }
  | { readonly _tag: "StorageUnavailable" };
