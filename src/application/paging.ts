import * as E from "fp-ts/lib/Either.js";
import {
  compareSortKeys,
  matchesFilters,
  sortValue,
  type FilterKey,
  type SecretFilter,
  type SortBy,
  type SortKey,
} from "../domain/search.js";
import type { ServiceError } from "./errors.js";
import { primaryRegionOf, type Served } from "./lookup.js";
import type { Service } from "./service.js";

// Listings are paged by a cursor (the last entry's sort key, or version id) in a NextToken that the page tokens
// sign for the one listing it continues.

/** ListSecrets' selection and order, which BatchGetSecretValue's filters share. */
export type SecretsSelection = {
  readonly MaxResults?: number;
  readonly NextToken?: string;
  readonly Filters?: ReadonlyArray<{ readonly Key?: string; readonly Values?: ReadonlyArray<string> }>;
  readonly SortOrder?: string;
  readonly SortBy?: string;
  readonly IncludePlannedDeletion?: boolean;
};

/** A secret listed, with the PrimaryRegion it shows. */
export type Listed = Served & { readonly primaryRegion: string | undefined };

export type SecretsPage = { readonly secrets: ReadonlyArray<Listed>; readonly nextToken?: string };

/** How many entries a page holds when MaxResults is not given. */
export const DEFAULT_PAGE = 100;

const isSortKey = (u: unknown): u is SortKey =>
  Array.isArray(u) &&
  u.length === 2 &&
  (typeof u[0] === "string" || typeof u[0] === "number") &&
  typeof u[1] === "string";

/** One page of the secrets a listing's filters match, in its order, with the token for the next page. */
export const pageOfSecrets = (
  service: Service,
  listing: string,
  input: SecretsSelection,
  defaultPage: number,
): E.Either<ServiceError, SecretsPage> => {
  const filters: SecretFilter[] = [];
  for (const f of input.Filters ?? []) {
    if (f.Key === undefined || f.Values === undefined) return E.left({ _tag: "FilterIncomplete" });
    filters.push({ key: f.Key as FilterKey, values: f.Values });
  }
  const sortBy = (input.SortBy ?? "created-date") as SortBy;
  // Ascending by default: AWS's recorded listings came back in creation order.
  const direction = input.SortOrder === "desc" ? -1 : 1;
  const includeScheduled = input.IncludePlannedDeletion === true;
  const query = JSON.stringify([listing, filters, sortBy, direction, includeScheduled]);
  let after: SortKey | undefined;
  if (input.NextToken !== undefined) {
    const cursor = service.pageTokens.read(query, input.NextToken);
    if (!isSortKey(cursor)) return E.left({ _tag: "InvalidNextToken" });
    after = cursor;
  }
  const served: Served[] = [...service.catalog.allSecrets()].map((state) => ({ state }));
  for (const replica of service.replicas.all())
    if (service.catalog.entry(replica.state.name).state.status !== "active")
      served.push({ state: replica.state, replica });
  const rows = served
    .filter(({ state }) => includeScheduled || state.deletion === undefined)
    .map((s): Listed => ({ ...s, primaryRegion: primaryRegionOf(service, s) }))
    .filter((s) => matchesFilters(s.state, filters, s.primaryRegion))
    .map((s) => ({ secret: s, key: [sortValue(s.state, sortBy), s.state.name] as SortKey }))
    .sort((a, b) => direction * compareSortKeys(a.key, b.key));
  const remaining = after === undefined ? rows : rows.filter((r) => direction * compareSortKeys(r.key, after) > 0);
  const page = remaining.slice(0, input.MaxResults ?? defaultPage);
  const last = page[page.length - 1];
  return E.right({
    secrets: page.map((r) => r.secret),
    ...(last !== undefined && remaining.length > page.length
      ? { nextToken: service.pageTokens.issue(query, last.key) }
      : {}),
  });
};

/** One page of `all` after the entry a NextToken names (by `idOf`), with the token for the next page. */
export const pageAfter = <A>(
  service: Service,
  query: string,
  all: ReadonlyArray<A>,
  idOf: (a: A) => string,
  input: { readonly MaxResults?: number; readonly NextToken?: string },
): E.Either<ServiceError, { readonly page: ReadonlyArray<A>; readonly nextToken?: string }> => {
  let start = 0;
  if (input.NextToken !== undefined) {
    const after = service.pageTokens.read(query, input.NextToken);
    const at = typeof after === "string" ? all.findIndex((a) => idOf(a) === after) : -1;
    if (at < 0) return E.left({ _tag: "InvalidNextToken" });
    start = at + 1;
  }
  const page = all.slice(start, start + (input.MaxResults ?? DEFAULT_PAGE));
  const last = page[page.length - 1];
  const more = last !== undefined && start + page.length < all.length;
  return E.right({ page, ...(more ? { nextToken: service.pageTokens.issue(query, idOf(last)) } : {}) });
};
