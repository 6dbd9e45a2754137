import * as E from "fp-ts/lib/Either.js";
import { grantsPublicAccess, isPolicyProblem, parsePolicy } from "../../domain/resource-policy.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { ServiceError } from "../errors.js";
import { liveSecret } from "../lookup.js";
import type { Service } from "../service.js";

export type ValidateResourcePolicyInput = { readonly SecretId?: string; readonly ResourcePolicy: string };

/** What is wrong with a policy, as ValidateResourcePolicy reports it. */
export type PolicyFinding = { readonly check: string; readonly message: string };

/** GetResourcePolicy: the secret, whose policy (if any) is answered. */
export const getResourcePolicy = (
  service: Service,
  input: { readonly SecretId: string },
): E.Either<ServiceError, ActiveSecret> => liveSecret(service, input.SecretId);

/** ValidateResourcePolicy: the checks PutResourcePolicy makes, reported rather than refused. */
export const validateResourcePolicy = (
  service: Service,
  input: ValidateResourcePolicyInput,
): E.Either<ServiceError, ReadonlyArray<PolicyFinding>> => {
  if (input.SecretId !== undefined) {
    const secret = liveSecret(service, input.SecretId);
    if (E.isLeft(secret)) return secret;
  }
  const parsed = parsePolicy(input.ResourcePolicy);
  return E.right(
    isPolicyProblem(parsed)
      ? [parsed]
      : grantsPublicAccess(parsed.statements)
        ? [{ check: "BROAD_ACCESS_CHECKING", message: "The policy grants access to every principal." }]
        : [],
  );
};
