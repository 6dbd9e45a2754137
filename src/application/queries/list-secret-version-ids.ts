import * as E from "fp-ts/lib/Either.js";
import { versionIndex, type VersionView } from "../../../projections/secret-catalog.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { ServiceError } from "../errors.js";
import { lookup } from "../lookup.js";
import { pageAfter } from "../paging.js";
import type { Service } from "../service.js";

export type ListSecretVersionIdsInput = {
  readonly SecretId: string;
  readonly MaxResults?: number;
  readonly NextToken?: string;
  readonly IncludeDeprecated?: boolean;
};

export type VersionsPage = {
  readonly secret: ActiveSecret;
  readonly versions: ReadonlyArray<VersionView>;
  readonly nextToken?: string;
};

/** ListSecretVersionIds: the versions with a label, or with IncludeDeprecated all of them, a page at a time. */
export const listSecretVersionIds = (
  service: Service,
  input: ListSecretVersionIdsInput,
): E.Either<ServiceError, VersionsPage> => {
  const secret = lookup(service, input.SecretId);
  if (secret.status !== "active") return E.left({ _tag: "SecretNotFound" });
  const all = versionIndex(secret).filter((v) => input.IncludeDeprecated === true || v.stages.length > 0);
  const query = JSON.stringify(["ListSecretVersionIds", secret.arn, input.IncludeDeprecated === true]);
  return E.map(({ page, nextToken }: { page: ReadonlyArray<VersionView>; nextToken?: string }) => ({
    secret,
    versions: page,
    ...(nextToken === undefined ? {} : { nextToken }),
  }))(pageAfter(service, query, all, (v) => v.versionId, input));
};
