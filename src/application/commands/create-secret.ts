import * as E from "fp-ts/lib/Either.js";
import { arnOf } from "../../domain/queries.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { SecretName, VersionId } from "../../domain/types.js";
import type { ReplicationStatus } from "../../replication/replication-monitor.js";
import type { ServiceError } from "../errors.js";
import type { Executed } from "../handle-command.js";
import { active, replicationStatusOf } from "../lookup.js";
import { sealedCommand } from "../sealing.js";
import type { Service } from "../service.js";
import { replicationOf, type AddReplicaRegions } from "./replicate-secret-to-regions.js";
import { toTag, type TagInput } from "./tag-resource.js";

export type CreateSecretInput = {
  readonly Name: string;
  readonly ClientRequestToken?: string;
  readonly Description?: string;
  readonly KmsKeyId?: string;
  readonly SecretString?: string;
  readonly SecretBinary?: Buffer;
  readonly Tags?: ReadonlyArray<TagInput>;
  readonly AddReplicaRegions?: AddReplicaRegions;
  readonly ForceOverwriteReplicaSecret?: boolean;
};

export type SecretCreated = {
  readonly secret: ActiveSecret;
  /** The token, when the call created a version with it. */
  readonly versionId?: VersionId;
  /** With AddReplicaRegions: how the secret stands in those regions. */
  readonly replicationStatus?: ReadonlyArray<ReplicationStatus>;
};

/** CreateSecret: a new secret, with its first version when a value is given. */
export const createSecret = async (
  service: Service,
  input: CreateSecretInput,
): Promise<E.Either<ServiceError, SecretCreated>> => {
  const name = input.Name as SecretName;
  const token = input.ClientRequestToken as VersionId | undefined;
  const arnForNew = arnOf(service.home, name, service.arnSuffix());
  // Counted across secrets, so checked here rather than by one secret's decider; a new name only.
  if (service.catalog.entry(name).state.status === "absent" && service.catalog.secretCount >= service.maxSecrets)
    return E.left({ _tag: "SecretQuotaExceeded", limit: service.maxSecrets });
  // A replica served here holds its name in this region.
  if (service.replicas.resolve({ kind: "name", name }) !== undefined)
    return E.left({ _tag: "SecretAlreadyExists", name });
  const replication = replicationOf(service, input.AddReplicaRegions, input.ForceOverwriteReplicaSecret);
  const result = await service.commands.handleCommand(name, { kind: "name", name }, "CreateSecret", (state, now) => {
    const arn = state.status === "active" ? state.arn : arnForNew;
    // A name that exists keeps its key; the decider then compares the values or refuses the name.
    const kmsKeyId = state.status === "active" ? state.kmsKeyId : input.KmsKeyId;
    return sealedCommand(service, { state, arn, token, values: input, kmsKeyId }, (values) => ({
      type: "CreateSecret",
      data: {
        name,
        arn,
        ...(token === undefined ? {} : { clientRequestToken: token }),
        ...values,
        ...(input.Description === undefined ? {} : { description: input.Description }),
        ...(input.KmsKeyId === undefined ? {} : { kmsKeyId: input.KmsKeyId }),
        ...(input.Tags === undefined ? {} : { tags: input.Tags.map(toTag) }),
        ...(replication === undefined ? {} : { replication }),
        now,
      },
    }));
  });
  return E.map(({ state }: Executed): SecretCreated => {
    const secret = active(state);
    return {
      secret,
      ...(token !== undefined && secret.versions.has(token) ? { versionId: token } : {}),
      ...(replication === undefined ? {} : { replicationStatus: replicationStatusOf(service, secret) }),
    };
  })(result);
};
