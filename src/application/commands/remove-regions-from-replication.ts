import * as E from "fp-ts/lib/Either.js";
import type { ServiceError } from "../errors.js";
import { prepared, type Executed } from "../handle-command.js";
import { active, onSecret, replicationStatusOf } from "../lookup.js";
import type { Service } from "../service.js";
import type { SecretReplication } from "./replicate-secret-to-regions.js";

export type RemoveRegionsFromReplicationInput = {
  readonly SecretId: string;
  readonly RemoveReplicaRegions: ReadonlyArray<string>;
};

/** RemoveRegionsFromReplication: the replicas there are deleted; the remaining regions' status is answered. */
export const removeRegionsFromReplication = async (
  service: Service,
  input: RemoveRegionsFromReplicationInput,
): Promise<E.Either<ServiceError, SecretReplication>> =>
  E.map(({ state }: Executed) => ({
    secret: active(state),
    replicationStatus: replicationStatusOf(service, active(state)),
  }))(
    await onSecret(service, input.SecretId, "RemoveRegionsFromReplication", (_state, now) =>
      prepared({ type: "RemoveRegionsFromReplication", data: { regions: input.RemoveReplicaRegions, now } }),
    ),
  );
