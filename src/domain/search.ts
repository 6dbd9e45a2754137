import type { ActiveSecret } from "./state.js";

// ListSecrets' filters and sort orders, as AWS applies them (spec §4.7): filters AND together, a filter's
// values OR together, and a value that starts with `!` holds where its match does not.

export type FilterKey = "description" | "name" | "tag-key" | "tag-value" | "primary-region" | "owning-service" | "all";
export type SecretFilter = { readonly key: FilterKey; readonly values: ReadonlyArray<string> };
export type SortBy = "created-date" | "last-accessed-date" | "last-changed-date" | "name";

/** Words of a description, or of a description filter's value: split at spaces. */
const descriptionWords = (s: string): string[] => s.split(/\s+/).filter((w) => w !== "");

/**
 * Words of an attribute for the `all` filter: split at / _ + = . @ - and spaces, then where lower case turns to
 * upper case and between letters and digits (`SecretOneABC1` → Secret, One, ABC, 1; `COMPANYthings` → COMPAN,
 * Ythings). Bare punctuation has no words, so it finds nothing.
 */
export const attributeWords = (s: string): string[] =>
  s.split(/[/_+=.@\-\s]+/).flatMap((piece) => piece.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+|[^A-Za-z\d]+/g) ?? []);

/** A text's words (by `words`: a description's, split at spaces, unless told), lower case, as filters match them. */
export const lowerCaseWords = (text: string, words: (s: string) => string[] = descriptionWords): string[] =>
  words(text).map((w) => w.toLowerCase());

/** Whether every word wanted starts some word of `have` (both lower case). */
const wordPrefixMatch = (wanted: ReadonlyArray<string>, have: ReadonlyArray<string>): boolean =>
  wanted.length > 0 && wanted.every((w) => have.some((h) => h.startsWith(w)));

const SPACE = /\s/;

/**
 * Whether every word wanted starts some word of `text` (split at spaces, as descriptionWords): found where it
 * occurs after a space or at the start of the text lower-cased, with no words made (a listing may check a million).
 */
const startsWords = (wanted: ReadonlyArray<string>, text: string): boolean => {
  const lower = text.toLowerCase();
  const startsOne = (w: string): boolean => {
    for (let at = lower.indexOf(w); at >= 0; at = lower.indexOf(w, at + 1))
      if (at === 0 || SPACE.test(lower.charAt(at - 1))) return true;
    return false;
  };
  return wanted.length > 0 && wanted.every(startsOne);
};

const tagsOf = (secret: ActiveSecret) => secret.tags ?? [];

/** Whether one (non-negated) filter value matches a secret (its primary region as DescribeSecret shows it). */
type ValueMatch = (secret: ActiveSecret, primaryRegion: string | undefined) => boolean;

/** The check of one (non-negated) filter value, what can be worked out of the value alone worked out once. */
const valueMatch = (key: FilterKey, value: string): ValueMatch => {
  switch (key) {
    case "name":
      return (secret) => secret.name.startsWith(value);
    case "tag-key":
      return (secret) => tagsOf(secret).some((tag) => tag.Key.startsWith(value));
    case "tag-value":
      return (secret) => tagsOf(secret).some((tag) => tag.Value.startsWith(value));
    case "description": {
      const wanted = lowerCaseWords(value);
      return (secret) => startsWords(wanted, secret.description ?? "");
    }
    case "all": {
      const wanted = lowerCaseWords(value, attributeWords);
      return (secret) =>
        [secret.name, secret.description ?? "", ...tagsOf(secret).flatMap((t) => [t.Key, t.Value])].some((attribute) =>
          wordPrefixMatch(wanted, lowerCaseWords(attribute, attributeWords)),
        );
    }
    // A replica, or a secret replicated elsewhere, has a primary region (prefix match, case-sensitive).
    case "primary-region":
      return (_, primaryRegion) => primaryRegion?.startsWith(value) === true;
    // No secret here is owned by another service.
    case "owning-service":
      return () => false;
    default: {
      const unknownKey: never = key;
      return unknownKey;
    }
  }
};

/** Whether a secret passes filters; `primaryRegion` as DescribeSecret shows it (absent: none). */
export type FiltersMatch = (secret: ActiveSecret, primaryRegion?: string) => boolean;

/** The check of `filters`, made once for a listing that checks many secrets. */
export const filtersMatch = (filters: ReadonlyArray<SecretFilter>): FiltersMatch => {
  const checks = filters.map((filter) =>
    filter.values.map((value): ValueMatch => {
      if (!value.startsWith("!")) return valueMatch(filter.key, value);
      const match = valueMatch(filter.key, value.slice(1));
      return (secret, primaryRegion) => !match(secret, primaryRegion);
    }),
  );
  return (secret, primaryRegion) => checks.every((values) => values.some((match) => match(secret, primaryRegion)));
};

/** Whether the secret passes every filter; `primaryRegion` as DescribeSecret shows it (absent: none). */
export const matchesFilters = (
  secret: ActiveSecret,
  filters: ReadonlyArray<SecretFilter>,
  primaryRegion?: string,
): boolean => filtersMatch(filters)(secret, primaryRegion);

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
