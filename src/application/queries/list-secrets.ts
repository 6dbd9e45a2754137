import type * as E from "fp-ts/lib/Either.js";
import type { ServiceError } from "../errors.js";
import { DEFAULT_PAGE, pageOfSecrets, type SecretsPage, type SecretsSelection } from "../paging.js";
import type { Service } from "../service.js";

export type ListSecretsInput = SecretsSelection;

/** ListSecrets: filtered, sorted, paged by a cursor (the last entry's sort key) in a signed token. */
export const listSecrets = (service: Service, input: ListSecretsInput): Promise<E.Either<ServiceError, SecretsPage>> =>
  pageOfSecrets(service, "ListSecrets", input, DEFAULT_PAGE);
