import * as E from "fp-ts/lib/Either.js";
import type { Replication } from "../../domain/commands.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { ReplicationStatus } from "../../replication/replication-monitor.js";
import type { ServiceError } from "../errors.js";
import { prepared, type Executed } from "../handle-command.js";
import { active, onSecret, replicationStatusOf } from "../lookup.js";
import type { Service } from "../service.js";

export type AddReplicaRegions = ReadonlyArray<{ readonly Region?: string; readonly KmsKeyId?: string }>;

export type ReplicateSecretToRegionsInput = {
  readonly SecretId: string;
  readonly AddReplicaRegions: AddReplicaRegions;
  readonly ForceOverwriteReplicaSecret?: boolean;
};

/** A secret and how it stands in the regions it is replicated to. */
export type SecretReplication = {
  readonly secret: ActiveSecret;
  readonly replicationStatus: ReadonlyArray<ReplicationStatus>;
};

/** AddReplicaRegions (and ForceOverwriteReplicaSecret) as the commands carry them. */
export const replicationOf = (
  service: Service,
  regions: AddReplicaRegions | undefined,
  forceOverwrite: boolean | undefined,
): Replication | undefined => {
  if (regions === undefined) return undefined;
  return {
    regions: regions.map((r) => ({
      region: r.Region ?? "",
      ...(r.KmsKeyId === undefined ? {} : { kmsKeyId: r.KmsKeyId }),
    })),
    ...(forceOverwrite === undefined ? {} : { forceOverwrite }),
    homeRegion: service.home.region,
  };
};

/** ReplicateSecretToRegions: the secret is replicated to more regions; their status is answered. */
export const replicateSecretToRegions = async (
  service: Service,
  input: ReplicateSecretToRegionsInput,
): Promise<E.Either<ServiceError, SecretReplication>> => {
  const replication = replicationOf(service, input.AddReplicaRegions, input.ForceOverwriteReplicaSecret) as Replication;
  const result = await onSecret(service, input.SecretId, "ReplicateSecretToRegions", (_state, now) =>
    prepared({ type: "ReplicateSecretToRegions", data: { ...replication, now } }),
  );
  const asked = new Set(input.AddReplicaRegions.map((r) => r.Region));
  return E.map(({ state }: Executed) => ({
    secret: active(state),
    replicationStatus: replicationStatusOf(service, active(state)).filter((r) => asked.has(r.Region)),
  }))(result);
};
