import * as E from "fp-ts/lib/Either.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { StagingLabel, VersionId } from "../../domain/types.js";
import type { ServiceError } from "../errors.js";
import { prepared, type Executed } from "../handle-command.js";
import { active, onSecret } from "../lookup.js";
import type { Service } from "../service.js";

export type UpdateSecretVersionStageInput = {
  readonly SecretId: string;
  readonly VersionStage: string;
  readonly MoveToVersionId?: string;
  readonly RemoveFromVersionId?: string;
};

/** UpdateSecretVersionStage: moves a staging label to a version, or detaches it. */
export const updateSecretVersionStage = async (
  service: Service,
  input: UpdateSecretVersionStageInput,
): Promise<E.Either<ServiceError, ActiveSecret>> =>
  E.map(({ state }: Executed) => active(state))(
    await onSecret(service, input.SecretId, "UpdateSecretVersionStage", (_state, now) =>
      prepared({
        type: "UpdateSecretVersionStage",
        data: {
          versionStage: input.VersionStage as StagingLabel,
          ...(input.MoveToVersionId === undefined ? {} : { moveToVersionId: input.MoveToVersionId as VersionId }),
          ...(input.RemoveFromVersionId === undefined
            ? {}
            : { removeFromVersionId: input.RemoveFromVersionId as VersionId }),
          now,
        },
      }),
    ),
  );
