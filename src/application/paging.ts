import * as E from "fp-ts/lib/Either.js";
import {
  compareSortKeys,
  filtersMatch,
  type FilterKey,
  type FiltersMatch,
  type SecretFilter,
  type SortBy,
  type SortKey,
} from "../domain/search.js";
import { firstInOrder, type Keyed, type PageQuery } from "../../projections/index-pages.js";
import type { SecretIndex } from "../../projections/secret-index.js";
import type { ActiveSecret } from "../domain/state.js";
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

/** A listing as asked for: what passes, in which order, from where. */
type Query = PageQuery & {
  readonly includeScheduled: boolean;
  /** What a NextToken is signed for: the one listing it continues. */
  readonly signed: string;
  /** The check of the filters a secret's state alone can be checked against (all but the primary region's). */
  readonly stateMatch: FiltersMatch;
  /** The check of every filter. */
  readonly match: FiltersMatch;
};

const queryOf = (service: Service, listing: string, input: SecretsSelection): E.Either<ServiceError, Query> => {
  const filters: SecretFilter[] = [];
  for (const f of input.Filters ?? []) {
    if (f.Key === undefined || f.Values === undefined) return E.left({ _tag: "FilterIncomplete" });
    filters.push({ key: f.Key as FilterKey, values: f.Values });
  }
  const sortBy = (input.SortBy ?? "created-date") as SortBy;
  // Ascending by default: AWS's recorded listings came back in creation order.
  const direction = input.SortOrder === "desc" ? -1 : 1;
  const includeScheduled = input.IncludePlannedDeletion === true;
  const signed = JSON.stringify([listing, filters, sortBy, direction, includeScheduled]);
  const stateMatch = filtersMatch(filters.filter((f) => f.key !== "primary-region"));
  const query = {
    filters,
    sortBy,
    direction,
    includeScheduled,
    signed,
    stateMatch,
    match: filtersMatch(filters),
  } as const;
  if (input.NextToken === undefined) return E.right(query);
  const after = service.pageTokens.read(signed, input.NextToken);
  if (!isSortKey(after)) return E.left({ _tag: "InvalidNextToken" });
  return E.right({ ...query, after });
};

/** One secret of a listing, with the key it sorts by. */
type Row = Keyed<Listed>;

/** Where a listing's rows come from: an index of secrets, and what each name there is served as (if listed here). */
type Source = { readonly index: SecretIndex; readonly served: (name: string) => Served | undefined };

/** The secret as listed from `source`, if it passes: what its state can tell checked first, without a lookup. */
const rowOf = (source: Source, service: Service, query: Query, state: ActiveSecret): Listed | undefined => {
  if (!query.includeScheduled && state.deletion !== undefined) return undefined;
  if (!query.stateMatch(state)) return undefined;
  const s = source.served(state.name);
  if (s === undefined) return undefined;
  const row: Listed = { ...s, primaryRegion: primaryRegionOf(service, s) };
  return query.match(s.state, row.primaryRegion) ? row : undefined;
};

/**
 * Where listings look: this region's own secrets, and the replicas each followed region serves here (one of a
 * name this region's own secret has is not listed).
 */
const sourcesOf = async (service: Service, own: SecretIndex): Promise<Source[]> => {
  const isOwn = (name: string): boolean => service.catalog.entry(name).state.status === "active";
  const followed = service.replicas.listed();
  const indexes = await Promise.all(followed.map((region) => region.indexed()));
  return [
    {
      index: own,
      served: (name) => {
        const state = service.catalog.entry(name).state;
        return state.status === "active" ? { state } : undefined;
      },
    },
    ...followed.map((region, i): Source => ({
      index: indexes[i] as SecretIndex,
      served: (name) => {
        const replica = isOwn(name) ? undefined : region.served(name);
        return replica === undefined ? undefined : { state: replica.state, replica };
      },
    })),
  ];
};

/** One page of the secrets a listing's filters match, in its order, with the token for the next page. */
export const pageOfSecrets = async (
  service: Service,
  listing: string,
  input: SecretsSelection,
  defaultPage: number,
): Promise<E.Either<ServiceError, SecretsPage>> => {
  const asked = queryOf(service, listing, input);
  if (E.isLeft(asked)) return asked;
  const index = await service.catalog.indexed();
  const query = asked.right;
  const { direction, after } = query;
  const limit = input.MaxResults ?? defaultPage;
  const inOrder = (a: Row, b: Row): number => direction * compareSortKeys(a.key, b.key);
  const isAfter = (row: Row): boolean => after === undefined || direction * compareSortKeys(row.key, after) > 0;
  const remaining = (await sourcesOf(service, index))
    .flatMap((source) => firstInOrder(source.index, query, limit, (state) => rowOf(source, service, query, state)))
    .filter(isAfter)
    .sort(inOrder);
  const page = remaining.slice(0, limit);
  const last = page[page.length - 1];
  return E.right({
    secrets: page.map((r) => r.row),
    ...(last !== undefined && remaining.length > page.length
      ? { nextToken: service.pageTokens.issue(query.signed, last.key) }
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
