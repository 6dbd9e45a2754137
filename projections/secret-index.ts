import BTreeModule from "sorted-btree";
import {
  compareSortKeys,
  descriptionWords,
  sortValue,
  type SecretFilter,
  type SortBy,
  type SortKey,
} from "../src/domain/search.js";
import type { ActiveSecret, SecretState } from "../src/domain/state.js";

// What ListSecrets needs to answer a page out of a million secrets without looking at each: the secrets in each
// order it sorts by (a B+ tree per order), and, for its filters, the names of the secrets by name, tag key, tag
// value and description word (a sorted set of each, so that a prefix is a range). Kept up to date by the catalog
// as it applies records. A page is then either a walk in the order asked for, from the cursor, until it is full
// (most filters let most secrets through), or, when a filter's own index says few secrets can match, those few,
// checked and sorted.

const BTree = BTreeModule.default;
type BTree<K, V> = InstanceType<typeof BTreeModule.default<K, V>>;

const SORTS: ReadonlyArray<SortBy> = ["created-date", "last-changed-date", "last-accessed-date", "name"];

/** What a sort order compares: the value sorted by, then the name. */
const keyOf = (secret: ActiveSecret, sortBy: SortBy): SortKey => [sortValue(secret, sortBy), secret.name];

/**
 * What an order's tree holds: the secrets themselves (no key of their own: a million secrets, four orders), and a
 * cursor's key to look one up by.
 */
type Ordered = ActiveSecret | SortKey;

/** Compares what `sortBy` orders by: the value, then the name, of a secret or a cursor's key. */
const comparing = (sortBy: SortBy) => {
  // Called some twenty times a tree an insert: no key made to compare.
  const valueOf = (o: Ordered): string | number => (isKey(o) ? o[0] : sortValue(o, sortBy));
  const nameOf = (o: Ordered): string => (isKey(o) ? o[1] : o.name);
  return (a: Ordered, b: Ordered): number => {
    const av = valueOf(a);
    const bv = valueOf(b);
    if (av !== bv) return av < bv ? -1 : 1;
    const an = nameOf(a);
    const bn = nameOf(b);
    return an < bn ? -1 : an > bn ? 1 : 0;
  };
};
const isKey = (o: Ordered): o is SortKey => Array.isArray(o);

/**
 * The most names a filter's index gives a listing to check and sort; with more, the listing walks its order. Past
 * it, a string's names are not kept, only that there are many: a word every secret's description has would cost
 * a set entry a secret and never be used.
 */
export const MOST_CANDIDATES = 20_000;
const MANY = "many";

/**
 * Names by a string (a tag key, a tag value, a description word), with the strings in order so that those
 * starting with a prefix are one range. One name is kept as itself, more as a set: most strings name one secret;
 * past MOST_CANDIDATES names, MANY (for good: a listing then walks).
 */
class Postings {
  private readonly byString = new BTree<string, string | Set<string> | { readonly many: typeof MANY }>();

  /** Secret `name`'s strings were `before` and are `after` (each without repeats). */
  replace(before: ReadonlyArray<string>, after: ReadonlyArray<string>, name: string): void {
    for (const s of before) if (!after.includes(s)) this.remove(s, name);
    for (const s of after) if (!before.includes(s)) this.add(s, name);
  }

  private add(s: string, name: string): void {
    const held = this.byString.get(s);
    if (held === undefined) this.byString.set(s, name);
    else if (typeof held === "string") {
      if (held !== name) this.byString.set(s, new Set([held, name]));
    } else if (held instanceof Set) {
      held.add(name);
      if (held.size > MOST_CANDIDATES) this.byString.set(s, { many: MANY });
    }
  }

  private remove(s: string, name: string): void {
    const held = this.byString.get(s);
    if (held === undefined) return;
    if (typeof held === "string") {
      if (held === name) this.byString.delete(s);
    } else if (held instanceof Set) {
      held.delete(name);
      if (held.size === 1) this.byString.set(s, [...held][0] as string);
    }
  }

  /**
   * The names under every string that starts with `prefix`; undefined once there would be more than `cap` (at
   * most MOST_CANDIDATES).
   */
  withPrefix(prefix: string, cap: number, into: Set<string> = new Set()): Set<string> | undefined {
    for (const [s, held] of this.byString.entries(prefix)) {
      if (!s.startsWith(prefix)) break;
      if (typeof held === "string") into.add(held);
      else if (held instanceof Set) for (const name of held) into.add(name);
      else return undefined;
      if (into.size > cap) return undefined;
    }
    return into;
  }
}

/** A secret's strings of one kind, each once. */
const distinct = (strings: ReadonlyArray<string>): ReadonlyArray<string> => [...new Set(strings)];
const tagKeysOf = (secret: ActiveSecret) => distinct((secret.tags ?? []).map((t) => t.Key));
const tagValuesOf = (secret: ActiveSecret) => distinct((secret.tags ?? []).map((t) => t.Value));
/** The words of a description, lower case, as the description filter matches them (by prefix). */
const wordsOf = (secret: ActiveSecret) =>
  distinct(descriptionWords(secret.description ?? "").map((w) => w.toLowerCase()));

export class SecretIndex {
  private readonly orders = new Map<SortBy, BTree<Ordered, undefined>>(
    SORTS.map((sortBy) => [sortBy, new BTree<Ordered, undefined>(undefined, comparing(sortBy))]),
  );
  private readonly tagKeys = new Postings();
  private readonly tagValues = new Postings();
  private readonly words = new Postings();

  /** The secrets by name: also where a name prefix is a range. */
  private get byName(): BTree<Ordered, undefined> {
    return this.orders.get("name") as BTree<Ordered, undefined>;
  }

  get size(): number {
    return this.byName.size;
  }

  /** The secret `before` became `after` (either absent: created, or gone). */
  update(before: SecretState, after: SecretState): void {
    if (before.status === "active" && after.status === "active" && before.name === after.name)
      return this.change(before, after);
    if (before.status === "active") this.remove(before);
    if (after.status === "active") this.add(after);
  }

  /** A secret changed: only what moved is moved (a write changes its last-changed date, seldom its tags). */
  private change(before: ActiveSecret, after: ActiveSecret): void {
    for (const [sortBy, order] of this.orders) {
      // In its place (the tree takes the new state for the old one), or out and in again if it moved.
      if (sortValue(before, sortBy) !== sortValue(after, sortBy)) order.delete(before);
      order.set(after, undefined);
    }
    if (before.tags !== after.tags) {
      this.tagKeys.replace(tagKeysOf(before), tagKeysOf(after), after.name);
      this.tagValues.replace(tagValuesOf(before), tagValuesOf(after), after.name);
    }
    if (before.description !== after.description) this.words.replace(wordsOf(before), wordsOf(after), after.name);
  }

  private add(secret: ActiveSecret): void {
    for (const order of this.orders.values()) order.set(secret, undefined);
    this.tagKeys.replace([], tagKeysOf(secret), secret.name);
    this.tagValues.replace([], tagValuesOf(secret), secret.name);
    this.words.replace([], wordsOf(secret), secret.name);
  }

  private remove(secret: ActiveSecret): void {
    for (const order of this.orders.values()) order.delete(secret);
    this.tagKeys.replace(tagKeysOf(secret), [], secret.name);
    this.tagValues.replace(tagValuesOf(secret), [], secret.name);
    this.words.replace(wordsOf(secret), [], secret.name);
  }

  /**
   * The names of the only secrets `filters` can let through, as far as one filter's index tells (the smallest
   * such set), or undefined when no filter narrows it to `cap` names or fewer (a negated value, a filter without
   * an index, or one most secrets pass).
   */
  candidates(filters: ReadonlyArray<SecretFilter>, cap: number): ReadonlySet<string> | undefined {
    let best: Set<string> | undefined;
    for (const filter of filters) {
      if (filter.values.some((v) => v.startsWith("!"))) continue;
      const names = this.namesFor(filter, Math.min(cap, best?.size ?? cap));
      if (names !== undefined && (best === undefined || names.size < best.size)) best = names;
    }
    return best;
  }

  private namesFor(filter: SecretFilter, cap: number): Set<string> | undefined {
    const into = new Set<string>();
    for (const value of filter.values) {
      let found: Set<string> | undefined;
      switch (filter.key) {
        case "name":
          found = this.namesWithPrefix(value, cap, into);
          break;
        case "tag-key":
          found = this.tagKeys.withPrefix(value, cap, into);
          break;
        case "tag-value":
          found = this.tagValues.withPrefix(value, cap, into);
          break;
        case "description":
          found = this.describedBy(value, cap, into);
          break;
        // Without an index of their own: the listing walks its order and checks them.
        case "all":
        case "primary-region":
        case "owning-service":
          return undefined;
        default: {
          const unknownKey: never = filter.key;
          return unknownKey;
        }
      }
      if (found === undefined) return undefined;
    }
    return into;
  }

  private namesWithPrefix(prefix: string, cap: number, into: Set<string>): Set<string> | undefined {
    for (const [secret] of this.byName.entries([prefix, ""])) {
      const { name } = secret as ActiveSecret;
      if (!name.startsWith(prefix)) break;
      into.add(name);
      if (into.size > cap) return undefined;
    }
    return into;
  }

  /** Descriptions with a word starting with each word of `value` (case-insensitive): those of its rarest word. */
  private describedBy(value: string, cap: number, into: Set<string>): Set<string> | undefined {
    let fewest: Set<string> | undefined;
    for (const word of descriptionWords(value)) {
      const names = this.words.withPrefix(word.toLowerCase(), Math.min(cap, fewest?.size ?? cap));
      if (names !== undefined && (fewest === undefined || names.size < fewest.size)) fewest = names;
    }
    if (fewest === undefined) return undefined;
    for (const name of fewest) into.add(name);
    return into.size > cap ? undefined : into;
  }

  /**
   * The secrets in the order `sortBy` (`direction` 1: ascending, -1: descending), from just past `after`, as long
   * as the caller keeps taking them.
   */
  *inOrder(sortBy: SortBy, direction: 1 | -1, after?: SortKey): Iterable<readonly [SortKey, ActiveSecret]> {
    const order = this.orders.get(sortBy) as BTree<Ordered, undefined>;
    const entries = direction === 1 ? order.entries(after) : order.entriesReversed(after);
    for (const [held] of entries) {
      const secret = held as ActiveSecret;
      const key = keyOf(secret, sortBy);
      if (after !== undefined && compareSortKeys(key, after) === 0) continue;
      yield [key, secret];
    }
  }
}
