import * as E from "fp-ts/lib/Either.js";
import { cancelledVersion } from "../../domain/rotation.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { VersionId } from "../../domain/types.js";
import type { ServiceError } from "../errors.js";
import { prepared, type Executed } from "../handle-command.js";
import { active, onSecret } from "../lookup.js";
import type { Service } from "../service.js";

/**
 * CancelRotateSecret: rotation disabled, the rotation under way stopped; answers the version that rotation made.
 * AWSPENDING stays on it: until the caller removes it, RotateSecret refuses to start another rotation.
 */
export const cancelRotateSecret = async (
  service: Service,
  input: { readonly SecretId: string },
): Promise<E.Either<ServiceError, { readonly secret: ActiveSecret; readonly versionId?: VersionId }>> => {
  const result = await onSecret(service, input.SecretId, "CancelRotateSecret", (_state, now) =>
    prepared({ type: "CancelRotateSecret", data: { now } }),
  );
  return E.map(({ state, before, events }: Executed) => {
    const cancelled = events.find((e) => e.type === "RotationCancelled");
    const versionId =
      cancelled?.type === "RotationCancelled"
        ? cancelled.data.versionId
        : before.status === "active"
          ? cancelledVersion(before)
          : undefined;
    return { secret: active(state), ...(versionId === undefined ? {} : { versionId }) };
  })(result);
};
