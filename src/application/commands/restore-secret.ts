import type * as E from "fp-ts/lib/Either.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { ServiceError } from "../errors.js";
import { commandOnSecret } from "../lookup.js";
import type { Service } from "../service.js";

export type RestoreSecretInput = { readonly SecretId: string };

/** RestoreSecret: cancels a scheduled deletion. */
export const restoreSecret = (
  service: Service,
  input: RestoreSecretInput,
): Promise<E.Either<ServiceError, ActiveSecret>> =>
  commandOnSecret(service, input.SecretId, "RestoreSecret", (now) => ({ type: "RestoreSecret", data: { now } }));
