import type * as E from "fp-ts/lib/Either.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { ServiceError } from "../errors.js";
import { commandOnSecret } from "../lookup.js";
import type { Service } from "../service.js";

export type PutResourcePolicyInput = {
  readonly SecretId: string;
  readonly ResourcePolicy: string;
  readonly BlockPublicPolicy?: boolean;
};

/** PutResourcePolicy: attaches a resource policy, refused if it does not parse (or opens the secret to all). */
export const putResourcePolicy = (
  service: Service,
  input: PutResourcePolicyInput,
): Promise<E.Either<ServiceError, ActiveSecret>> =>
  commandOnSecret(service, input.SecretId, "PutResourcePolicy", (now) => ({
    type: "PutResourcePolicy",
    data: {
      policy: input.ResourcePolicy,
      ...(input.BlockPublicPolicy === undefined ? {} : { blockPublicPolicy: input.BlockPublicPolicy }),
      now,
    },
  }));
