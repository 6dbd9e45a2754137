import * as E from "fp-ts/lib/Either.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { ServiceError } from "../errors.js";
import { prepared, type Executed } from "../handle-command.js";
import { active, onSecret } from "../lookup.js";
import type { Service } from "../service.js";

export type RestoreSecretInput = { readonly SecretId: string };

/** RestoreSecret: cancels a scheduled deletion. */
export const restoreSecret = async (
  service: Service,
  input: RestoreSecretInput,
): Promise<E.Either<ServiceError, ActiveSecret>> =>
  E.map(({ state }: Executed) => active(state))(
    await onSecret(service, input.SecretId, "RestoreSecret", (_state, now) =>
      prepared({ type: "RestoreSecret", data: { now } }),
    ),
  );
