import * as E from "fp-ts/lib/Either.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { ServiceError } from "../errors.js";
import { prepared, type Executed } from "../handle-command.js";
import { active, onSecret } from "../lookup.js";
import type { Service } from "../service.js";

/** DeleteResourcePolicy: removes the secret's resource policy (none: nothing changes). */
export const deleteResourcePolicy = async (
  service: Service,
  input: { readonly SecretId: string },
): Promise<E.Either<ServiceError, ActiveSecret>> =>
  E.map(({ state }: Executed) => active(state))(
    await onSecret(service, input.SecretId, "DeleteResourcePolicy", (_state, now) =>
      prepared({ type: "DeleteResourcePolicy", data: { now } }),
    ),
  );
