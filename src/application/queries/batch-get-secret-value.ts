import * as E from "fp-ts/lib/Either.js";
import type { ServiceError } from "../errors.js";
import { pageOfSecrets, type SecretsSelection } from "../paging.js";
import type { Service } from "../service.js";
import { getSecretValue, type SecretValue } from "./get-secret-value.js";

export type BatchGetSecretValueInput = {
  readonly SecretIdList?: ReadonlyArray<string>;
  readonly Filters?: NonNullable<SecretsSelection["Filters"]>;
  readonly MaxResults?: number;
  readonly NextToken?: string;
};

/** Each secret asked for, with its value or why it could not be read, and the token for the next page. */
export type SecretValuesBatch = {
  readonly values: ReadonlyArray<{ readonly secretId: string; readonly result: E.Either<ServiceError, SecretValue> }>;
  readonly nextToken?: string;
};

/** BatchGetSecretValue returns at most 20 secrets a call. */
const MAX_BATCH = 20;

/**
 * BatchGetSecretValue: the AWSCURRENT value of each secret named, or of each secret the filters match (a page
 * at a time); a secret that cannot be read is reported in its place, and does not fail the call.
 */
export const batchGetSecretValue = async (
  service: Service,
  input: BatchGetSecretValueInput,
  /** Whether the caller may read this one secret; a refusal is reported in its place. */
  mayRead: (secretId: string) => ServiceError | undefined = () => undefined,
): Promise<E.Either<ServiceError, SecretValuesBatch>> => {
  if ((input.SecretIdList === undefined) === (input.Filters === undefined))
    return E.left({ _tag: "BatchSelectionAmbiguous" });
  if (input.MaxResults !== undefined && input.Filters === undefined)
    return E.left({ _tag: "BatchMaxResultsWithoutFilters" });
  let ids: ReadonlyArray<string>;
  let nextToken: string | undefined;
  if (input.SecretIdList !== undefined) ids = input.SecretIdList;
  else {
    const page = await pageOfSecrets(service, "BatchGetSecretValue", input, MAX_BATCH);
    if (E.isLeft(page)) return page;
    ids = page.right.secrets.map((secret) => secret.state.arn);
    nextToken = page.right.nextToken;
  }
  const values = [];
  for (const secretId of ids) {
    const refused = mayRead(secretId);
    values.push({
      secretId,
      result: refused !== undefined ? E.left(refused) : await getSecretValue(service, { SecretId: secretId }),
    });
  }
  return E.right({ values, ...(nextToken === undefined ? {} : { nextToken }) });
};
