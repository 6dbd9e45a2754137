import type * as E from "fp-ts/lib/Either.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { StagingLabel, VersionId } from "../../domain/types.js";
import type { ServiceError } from "../errors.js";
import { commandOnSecret } from "../lookup.js";
import type { Service } from "../service.js";

export type UpdateSecretVersionStageInput = {
  readonly SecretId: string;
  readonly VersionStage: string;
  readonly MoveToVersionId?: string;
  readonly RemoveFromVersionId?: string;
};

/** UpdateSecretVersionStage: moves a staging label to a version, or detaches it. */
export const updateSecretVersionStage = (
  service: Service,
  input: UpdateSecretVersionStageInput,
): Promise<E.Either<ServiceError, ActiveSecret>> =>
  commandOnSecret(service, input.SecretId, "UpdateSecretVersionStage", (now) => ({
    type: "UpdateSecretVersionStage",
    data: {
      versionStage: input.VersionStage as StagingLabel,
      ...(input.MoveToVersionId === undefined ? {} : { moveToVersionId: input.MoveToVersionId as VersionId }),
      ...(input.RemoveFromVersionId === undefined
        ? {}
        : { removeFromVersionId: input.RemoveFromVersionId as VersionId }),
      now,
    },
  }));
