import * as E from "fp-ts/lib/Either.js";
import type { Authorizer, Caller } from "../access/authorizer.js";
import type { ServiceError } from "../application/errors.js";
import { randomPassword, type PasswordRequest } from "../crypto/random-password.js";
import { createSecret, type CreateSecretInput } from "../application/commands/create-secret.js";
import { deleteResourcePolicy } from "../application/commands/delete-resource-policy.js";
import { deleteSecret, type DeleteSecretInput } from "../application/commands/delete-secret.js";
import { putResourcePolicy, type PutResourcePolicyInput } from "../application/commands/put-resource-policy.js";
import { putSecretValue, type PutSecretValueInput } from "../application/commands/put-secret-value.js";
import {
  removeRegionsFromReplication,
  type RemoveRegionsFromReplicationInput,
} from "../application/commands/remove-regions-from-replication.js";
import {
  replicateSecretToRegions,
  type ReplicateSecretToRegionsInput,
} from "../application/commands/replicate-secret-to-regions.js";
import { restoreSecret, type RestoreSecretInput } from "../application/commands/restore-secret.js";
import { cancelRotateSecret } from "../application/commands/cancel-rotate-secret.js";
import { rotateSecret, type RotateSecretInput } from "../application/commands/rotate-secret.js";
import { stopReplicationToReplica } from "../application/commands/stop-replication-to-replica.js";
import { tagResource, type TagResourceInput } from "../application/commands/tag-resource.js";
import { untagResource, type UntagResourceInput } from "../application/commands/untag-resource.js";
import { updateSecret, type UpdateSecretInput } from "../application/commands/update-secret.js";
import {
  updateSecretVersionStage,
  type UpdateSecretVersionStageInput,
} from "../application/commands/update-secret-version-stage.js";
import {
  batchGetSecretValue,
  type BatchGetSecretValueInput,
  type SecretValuesBatch,
} from "../application/queries/batch-get-secret-value.js";
import { describeSecret, type DescribeSecretInput } from "../application/queries/describe-secret.js";
import { getSecretValue, type GetSecretValueInput } from "../application/queries/get-secret-value.js";
import {
  listSecretVersionIds,
  type ListSecretVersionIdsInput,
} from "../application/queries/list-secret-version-ids.js";
import { listSecrets, type ListSecretsInput } from "../application/queries/list-secrets.js";
import {
  getResourcePolicy,
  validateResourcePolicy,
  type ValidateResourcePolicyInput,
} from "../application/queries/resource-policy.js";
import type { Service } from "../application/service.js";
import {
  arnAndName,
  arnOnly,
  cancelRotateSecretOutput,
  createSecretOutput,
  deleteSecretOutput,
  describeSecretOutput,
  getResourcePolicyOutput,
  listSecretsOutput,
  listSecretVersionIdsOutput,
  putSecretValueOutput,
  replicationOutput,
  rotateSecretOutput,
  secretValueOutput,
  updateSecretOutput,
  validateResourcePolicyOutput,
} from "./responses.js";
import {
  accessDenied,
  fromInputProblems,
  fromPasswordRefusal,
  fromServiceError,
  invalidName,
  type AwsError,
} from "./errors.js";

// Each operation takes its input already checked against the service model (types, lengths, patterns) and
// turns the service's answer into the AWS output shape. No business rule lives here.

/** An operation answers an output object, or null for an operation without output (an empty body). */
export type Operation = (input: Record<string, unknown>, caller: Caller) => Promise<E.Either<AwsError, object | null>>;

/** An operation's work, given the service acting for the caller. */
type Handler = (input: Record<string, unknown>, caller: Caller, service: Service) => ReturnType<Operation>;

// Names: ASCII letters, digits and /_+=.@- (CreateSecret); a SecretId may also be an ARN.
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]+$/;
const SECRET_ID_NAME = /^[A-Za-z0-9/_+=.@!-]+$/;
const MAX_VALUE_BYTES = 65536;

/**
 * What AWS checks beyond the model, for every operation alike: a secret name's characters (Name on
 * CreateSecret, SecretId anywhere unless it is an ARN), and a SecretString's size in bytes (the model counts
 * characters; the quota is 65,536 bytes).
 */
const beyondTheModel = (input: Record<string, unknown>): AwsError | undefined => {
  const name = input["Name"];
  if (typeof name === "string" && !SECRET_NAME.test(name)) return invalidName;
  const id = input["SecretId"];
  if (typeof id === "string" && !isValidSecretId(id)) return invalidName;
  const value = input["SecretString"];
  if (typeof value === "string" && Buffer.byteLength(value, "utf8") > MAX_VALUE_BYTES)
    return fromInputProblems([
      {
        _tag: "ConstraintViolated",
        path: "secretString",
        value: undefined,
        sensitive: true,
        constraint: `Member must have length less than or equal to ${MAX_VALUE_BYTES}`,
      },
    ]);
  return undefined;
};

const isValidSecretId = (id: string): boolean => id.startsWith("arn:") || SECRET_ID_NAME.test(id);

const answer = <T extends object | null>(result: E.Either<ServiceError, T>): E.Either<AwsError, object | null> =>
  E.mapLeft(fromServiceError)(result);

/** A use case's result as the operation answers it: its AWS output shape, or its AWS error. */
const respond =
  <T>(shape: (result: T) => object) =>
  (result: E.Either<ServiceError, T>): E.Either<AwsError, object> =>
    E.bimap(fromServiceError, shape)(result);

export const operationsOf = (base: Service, authorizer: Authorizer): Readonly<Record<string, Operation>> => {
  // Each handler is given the service acting for the request's caller (its commands carry the caller).
  const handlers: Readonly<Record<string, Handler>> = {
    CreateSecret: async (input, _caller, service) =>
      respond(createSecretOutput)(await createSecret(service, input as CreateSecretInput)),
    PutSecretValue: async (input, _caller, service) =>
      respond(putSecretValueOutput)(await putSecretValue(service, input as PutSecretValueInput)),
    UpdateSecretVersionStage: async (input, _caller, service) =>
      respond(arnAndName)(await updateSecretVersionStage(service, input as UpdateSecretVersionStageInput)),
    GetSecretValue: async (input, _caller, service) =>
      respond(secretValueOutput)(await getSecretValue(service, input as GetSecretValueInput)),
    BatchGetSecretValue: async (input, caller, service) => {
      const ids = (input["SecretIdList"] ?? []) as ReadonlyArray<string>;
      // Names that are not valid are reported per secret, like any other secret that cannot be read.
      const invalid = ids.filter((id) => !isValidSecretId(id));
      const batch = await batchGetSecretValue(
        service,
        {
          ...(input as BatchGetSecretValueInput),
          ...(input["SecretIdList"] === undefined ? {} : { SecretIdList: ids.filter((id) => isValidSecretId(id)) }),
        },
        (secretId) => {
          const refusal = authorizer.mayRead(caller, secretId);
          return refusal === undefined ? undefined : { _tag: "AccessDenied", refusal };
        },
      );
      return respond((b: SecretValuesBatch) => {
        const errors = [
          ...invalid.map((id) => ({ SecretId: id, ErrorCode: invalidName.type, Message: invalidName.message })),
          ...b.values.flatMap(({ secretId, result }) => {
            if (E.isRight(result)) return [];
            const e = fromServiceError(result.left);
            return [{ SecretId: secretId, ErrorCode: e.type, Message: e.message }];
          }),
        ];
        return {
          SecretValues: b.values.flatMap(({ result }) => (E.isRight(result) ? [secretValueOutput(result.right)] : [])),
          Errors: errors,
          ...(b.nextToken === undefined ? {} : { NextToken: b.nextToken }),
        };
      })(batch);
    },
    UpdateSecret: async (input, _caller, service) =>
      respond(updateSecretOutput)(await updateSecret(service, input as UpdateSecretInput)),
    TagResource: async (input, _caller, service) => answer(await tagResource(service, input as TagResourceInput)),
    UntagResource: async (input, _caller, service) => answer(await untagResource(service, input as UntagResourceInput)),
    DeleteSecret: async (input, _caller, service) =>
      respond(deleteSecretOutput)(await deleteSecret(service, input as DeleteSecretInput)),
    RestoreSecret: async (input, _caller, service) =>
      respond(arnAndName)(await restoreSecret(service, input as RestoreSecretInput)),
    GetRandomPassword: (input) =>
      Promise.resolve(
        E.bimap(fromPasswordRefusal, (password: string) => ({ RandomPassword: password }))(
          randomPassword(input as PasswordRequest),
        ),
      ),
    PutResourcePolicy: async (input, _caller, service) =>
      respond(arnAndName)(await putResourcePolicy(service, input as PutResourcePolicyInput)),
    GetResourcePolicy: (input, _caller, service) =>
      Promise.resolve(respond(getResourcePolicyOutput)(getResourcePolicy(service, input as { SecretId: string }))),
    DeleteResourcePolicy: async (input, _caller, service) =>
      respond(arnAndName)(await deleteResourcePolicy(service, input as { SecretId: string })),
    ValidateResourcePolicy: (input, _caller, service) =>
      Promise.resolve(
        respond(validateResourcePolicyOutput)(validateResourcePolicy(service, input as ValidateResourcePolicyInput)),
      ),
    DescribeSecret: (input, _caller, service) =>
      Promise.resolve(respond(describeSecretOutput)(describeSecret(service, input as DescribeSecretInput))),
    ListSecrets: (input, _caller, service) =>
      listSecrets(service, input as ListSecretsInput).then(respond(listSecretsOutput)),
    ListSecretVersionIds: (input, _caller, service) =>
      Promise.resolve(
        respond(listSecretVersionIdsOutput)(listSecretVersionIds(service, input as ListSecretVersionIdsInput)),
      ),
    ReplicateSecretToRegions: async (input, _caller, service) =>
      respond(replicationOutput)(await replicateSecretToRegions(service, input as ReplicateSecretToRegionsInput)),
    RemoveRegionsFromReplication: async (input, _caller, service) =>
      respond(replicationOutput)(
        await removeRegionsFromReplication(service, input as RemoveRegionsFromReplicationInput),
      ),
    RotateSecret: async (input, _caller, service) =>
      respond(rotateSecretOutput)(await rotateSecret(service, input as RotateSecretInput)),
    CancelRotateSecret: async (input, _caller, service) =>
      respond(cancelRotateSecretOutput)(await cancelRotateSecret(service, input as { SecretId: string })),
    StopReplicationToReplica: async (input, _caller, service) =>
      respond(arnOnly)(await stopReplicationToReplica(service, input as { SecretId: string })),
  };
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]): [string, Operation] => [
      name,
      async (input, caller) => {
        // With several servers on the log, a request sees everything it held when the request began: the secret
        // it names, its authorization (resource policy, tags), its value.
        await base.logFence();
        // Every operation needs its own action allowed; then AWS's checks beyond the model.
        const refusal = authorizer.check(caller, name, input);
        if (refusal !== undefined) return E.left(accessDenied(refusal));
        const refused = beyondTheModel(input);
        if (refused !== undefined) return E.left(refused);
        const actor = { requestId: caller.requestId, principal: caller.principal.arn };
        return handler(input, caller, { ...base, commands: base.commands.as(actor) });
      },
    ]),
  );
};
