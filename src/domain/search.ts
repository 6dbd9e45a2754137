import type { ActiveSecret } from "./state.js";

// ListSecrets' filters and sort orders, as AWS applies them (spec §4.7): filters AND together, a filter's
// values OR together, and a value that starts with `!` holds where its match does not.

export type FilterKey = "description" | "name" | "tag-key" | "tag-value" | "primary-region" | "owning-service" | "all";
export type SecretFilter = { readonly key: FilterKey; readonly values: ReadonlyArray<string> };
export type SortBy = "created-date" | "last-accessed-date" | "last-changed-date" | "name";

/** Words of a description, or of a description filter's value: split at spaces. */
export const descriptionWords = (s: string): string[] => s.split(/\s+/).filter((w) => w !== "");

/**
 * Words of an attribute for the `all` filter: split at / _ + = . @ - and spaces, then where lower case turns to
 * upper case and between letters and digits (`SecretOneABC1` → Secret, One, ABC, 1; `COMPANYthings` → COMPAN,
 * Ythings). Bare punctuation has no words, so it finds nothing.
 */
export const attributeWords = (s: string): string[] =>
  s.split(/[/_+=.@\-\s]+/).flatMap((piece) => piece.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+|[^A-Za-z\d]+/g) ?? []);

/** Every word of the filter value is a case-insensitive prefix of some word of the attribute. */
const wordPrefixMatch = (value: string, words: ReadonlyArray<string>, valueWords: (s: string) => string[]): boolean => {
  const wanted = valueWords(value).map((w) => w.toLowerCase());
  const have = words.map((w) => w.toLowerCase());
  return wanted.length > 0 && wanted.every((w) => have.some((h) => h.startsWith(w)));
};

const tagsOf = (secret: ActiveSecret) => secret.tags ?? [];

/** Whether one (non-negated) filter value matches the secret. */
const matchesValue = (
  secret: ActiveSecret,
  key: FilterKey,
  value: string,
  primaryRegion: string | undefined,
): boolean => {
  switch (key) {
    case "name":
      return secret.name.startsWith(value);
    case "tag-key":
      return tagsOf(secret).some((tag) => tag.Key.startsWith(value));
    case "tag-value":
      return tagsOf(secret).some((tag) => tag.Value.startsWith(value));
    case "description":
      return wordPrefixMatch(value, descriptionWords(secret.description ?? ""), descriptionWords);
    case "all": {
      const attributes = [secret.name, secret.description ?? "", ...tagsOf(secret).flatMap((t) => [t.Key, t.Value])];
      return attributes.some((attribute) => wordPrefixMatch(value, attributeWords(attribute), attributeWords));
    }
    // A replica, or a secret replicated elsewhere, has a primary region (prefix match, case-sensitive).
    case "primary-region":
      return primaryRegion?.startsWith(value) === true;
    // No secret here is owned by another service.
    case "owning-service":
      return false;
    default: {
      const unknownKey: never = key;
      return unknownKey;
    }
  }
};

/** Whether the secret passes every filter; `primaryRegion` as DescribeSecret shows it (absent: none). */
export const matchesFilters = (
  secret: ActiveSecret,
  filters: ReadonlyArray<SecretFilter>,
  primaryRegion?: string,
): boolean =>
  filters.every((filter) =>
    filter.values.some((value) =>
      value.startsWith("!")
        ? !matchesValue(secret, filter.key, value.slice(1), primaryRegion)
        : matchesValue(secret, filter.key, value, primaryRegion),
    ),
  );

/** The value a secret sorts by; ties are broken by name. */
export const sortValue = (secret: ActiveSecret, sortBy: SortBy): string | number => {
  switch (sortBy) {
    case "created-date":
      return secret.createdAt;
    case "last-changed-date":
      return secret.lastChangedAt;
    case "last-accessed-date":
      return secret.lastAccessedDay ?? 0;
    case "name":
      return secret.name;
    default: {
      const unknownSort: never = sortBy;
      return unknownSort;
    }
  }
};

export type SortKey = readonly [string | number, string];

/** How a secret that sorts by `value` and has `name` compares with `key` (without making a key of it). */
export const compareToKey = (value: string | number, name: string, key: SortKey): number =>
  value < key[0] ? -1 : value > key[0] ? 1 : name < key[1] ? -1 : name > key[1] ? 1 : 0;

export const compareSortKeys = (a: SortKey, b: SortKey): number => compareToKey(a[0], a[1], b);
