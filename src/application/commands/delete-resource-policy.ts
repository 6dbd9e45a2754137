import type * as E from "fp-ts/lib/Either.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { ServiceError } from "../errors.js";
import { commandOnSecret } from "../lookup.js";
import type { Service } from "../service.js";

/** DeleteResourcePolicy: removes the secret's resource policy (none: nothing changes). */
export const deleteResourcePolicy = (
  service: Service,
  input: { readonly SecretId: string },
): Promise<E.Either<ServiceError, ActiveSecret>> =>
  commandOnSecret(service, input.SecretId, "DeleteResourcePolicy", (now) => ({
    type: "DeleteResourcePolicy",
    data: { now },
  }));
