import * as E from "fp-ts/lib/Either.js";
import type { Authorizer, Caller } from "../access/authorizer.js";
import type { ServiceError } from "../application/errors.js";
import { randomPassword, type PasswordRequest } from "../crypto/random-password.js";
import type {
  CreateSecretInput,
  DeleteSecretInput,
  RestoreSecretInput,
  TagResourceInput,
  UntagResourceInput,
  UpdateSecretInput,
  DescribeSecretInput,
  GetSecretValueInput,
  ListSecretVersionIdsInput,
  ListSecretsInput,
  BatchGetSecretValueInput,
  SecretValue,
  SecretValuesBatch,
  PutResourcePolicyInput,
  ValidateResourcePolicyInput,
  PutSecretValueInput,
  RemoveRegionsFromReplicationInput,
  ReplicateSecretToRegionsInput,
  SecretsService,
  UpdateSecretVersionStageInput,
} from "../application/secrets-service.js";
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

/** SecretBinary travels as base64. */
const onTheWire = (value: SecretValue): object =>
  value.SecretBinary === undefined ? value : { ...value, SecretBinary: value.SecretBinary.toString("base64") };

const answer = <T extends object | null>(result: E.Either<ServiceError, T>): E.Either<AwsError, object | null> =>
  E.mapLeft(fromServiceError)(result);

export const operationsOf = (service: SecretsService, authorizer: Authorizer): Readonly<Record<string, Operation>> => {
  const handlers: Readonly<Record<string, Operation>> = {
    CreateSecret: async (input) => answer(await service.createSecret(input as CreateSecretInput)),
    PutSecretValue: async (input) => answer(await service.putSecretValue(input as PutSecretValueInput)),
    UpdateSecretVersionStage: async (input) =>
      answer(await service.updateSecretVersionStage(input as UpdateSecretVersionStageInput)),
    GetSecretValue: async (input) =>
      answer(E.map(onTheWire)(await service.getSecretValue(input as GetSecretValueInput))),
    BatchGetSecretValue: async (input, caller) => {
      const ids = (input["SecretIdList"] ?? []) as ReadonlyArray<string>;
      // Names that are not valid are reported per secret, like any other secret that cannot be read.
      const invalid = ids.filter((id) => !isValidSecretId(id));
      const batch = await service.batchGetSecretValue(
        {
          ...(input as BatchGetSecretValueInput),
          ...(input["SecretIdList"] === undefined ? {} : { SecretIdList: ids.filter((id) => isValidSecretId(id)) }),
        },
        (secretId) => {
          const refusal = authorizer.mayRead(caller, secretId);
          return refusal === undefined ? undefined : { _tag: "AccessDenied", refusal };
        },
      );
      return answer(
        E.map((b: SecretValuesBatch) => {
          const errors = [
            ...invalid.map((id) => ({ SecretId: id, ErrorCode: invalidName.type, Message: invalidName.message })),
            ...b.values.flatMap(({ secretId, result }) => {
              if (E.isRight(result)) return [];
              const e = fromServiceError(result.left);
              return [{ SecretId: secretId, ErrorCode: e.type, Message: e.message }];
            }),
          ];
          return {
            SecretValues: b.values.flatMap(({ result }) => (E.isRight(result) ? [onTheWire(result.right)] : [])),
            Errors: errors,
            ...(b.nextToken === undefined ? {} : { NextToken: b.nextToken }),
          };
        })(batch),
      );
    },
    UpdateSecret: async (input) => answer(await service.updateSecret(input as UpdateSecretInput)),
    TagResource: async (input) => answer(await service.tagResource(input as TagResourceInput)),
    UntagResource: async (input) => answer(await service.untagResource(input as UntagResourceInput)),
    DeleteSecret: async (input) => answer(await service.deleteSecret(input as DeleteSecretInput)),
    RestoreSecret: async (input) => answer(await service.restoreSecret(input as RestoreSecretInput)),
    GetRandomPassword: (input) =>
      Promise.resolve(
        E.bimap(fromPasswordRefusal, (password: string) => ({ RandomPassword: password }))(
          randomPassword(input as PasswordRequest),
        ),
      ),
    PutResourcePolicy: async (input) => answer(await service.putResourcePolicy(input as PutResourcePolicyInput)),
    GetResourcePolicy: (input) => Promise.resolve(answer(service.getResourcePolicy(input as { SecretId: string }))),
    DeleteResourcePolicy: async (input) => answer(await service.deleteResourcePolicy(input as { SecretId: string })),
    ValidateResourcePolicy: (input) =>
      Promise.resolve(answer(service.validateResourcePolicy(input as ValidateResourcePolicyInput))),
    DescribeSecret: (input) => Promise.resolve(answer(service.describeSecret(input as DescribeSecretInput))),
    ListSecrets: (input) => Promise.resolve(answer(service.listSecrets(input as ListSecretsInput))),
    ListSecretVersionIds: (input) =>
      Promise.resolve(answer(service.listSecretVersionIds(input as ListSecretVersionIdsInput))),
    ReplicateSecretToRegions: async (input) =>
      answer(await service.replicateSecretToRegions(input as ReplicateSecretToRegionsInput)),
    RemoveRegionsFromReplication: async (input) =>
      answer(await service.removeRegionsFromReplication(input as RemoveRegionsFromReplicationInput)),
    StopReplicationToReplica: async (input) =>
      answer(await service.stopReplicationToReplica(input as { SecretId: string })),
  };
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]): [string, Operation] => [
      name,
      async (input, caller) => {
        // With several servers on the log, a request sees everything it held when the request began: the secret
        // it names, its authorization (resource policy, tags), its value.
        await service.logFence();
        // Every operation needs its own action allowed; then AWS's checks beyond the model.
        const refusal = authorizer.check(caller, name, input);
        if (refusal !== undefined) return E.left(accessDenied(refusal));
        const refused = beyondTheModel(input);
        if (refused !== undefined) return E.left(refused);
        return service.actingAs({ requestId: caller.requestId, principal: caller.principal.arn }, () =>
          handler(input, caller),
        );
      },
    ]),
  );
};
