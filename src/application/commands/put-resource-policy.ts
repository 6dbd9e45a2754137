import * as E from "fp-ts/lib/Either.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { ServiceError } from "../errors.js";
import { prepared, type Executed } from "../handle-command.js";
import { active, onSecret } from "../lookup.js";
import type { Service } from "../service.js";

export type PutResourcePolicyInput = {
  readonly SecretId: string;
  readonly ResourcePolicy: string;
  readonly BlockPublicPolicy?: boolean;
};

/** PutResourcePolicy: attaches a resource policy, refused if it does not parse (or opens the secret to all). */
export const putResourcePolicy = async (
  service: Service,
  input: PutResourcePolicyInput,
): Promise<E.Either<ServiceError, ActiveSecret>> =>
  E.map(({ state }: Executed) => active(state))(
    await onSecret(service, input.SecretId, "PutResourcePolicy", (_state, now) =>
      prepared({
        type: "PutResourcePolicy",
        data: {
          policy: input.ResourcePolicy,
          ...(input.BlockPublicPolicy === undefined ? {} : { blockPublicPolicy: input.BlockPublicPolicy }),
          now,
        },
      }),
    ),
  );
