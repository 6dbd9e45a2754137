import BTreeModule from "sorted-btree";
import { descriptionWords, sortValue, type SecretFilter, type SortBy, type SortKey } from "../src/domain/search.js";
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
 * Past this many secrets a string's are no longer kept, only that there are many (a listing then walks its order):
 * a Set holds at most 2^24 entries.
 */
const MOST_HELD = 1 << 22;
const MANY = "many";

/**
 * The secrets by a string (a tag key, a tag value, a description word), with the strings in order so that those
 * starting with a prefix are one range. One secret is kept as itself, more as a set (of the states the index holds:
 * a secret's change swaps its state in each set it is in); past MOST_HELD, MANY (for good).
 */
class Postings {
  private readonly byString = new BTree<string, ActiveSecret | Set<ActiveSecret> | { readonly many: typeof MANY }>();

  /** `stringsOf`: a secret's strings of this kind, each once. */
  constructor(private readonly stringsOf: (secret: ActiveSecret) => ReadonlyArray<string>) {}

  /** Secret `before` is now `after` (either absent: created, or gone): out of its strings' sets, into its new ones. */
  replace(before: ActiveSecret | undefined, after: ActiveSecret | undefined): void {
    if (before !== undefined) for (const s of this.stringsOf(before)) this.remove(s, before);
    if (after !== undefined) for (const s of this.stringsOf(after)) this.add(s, after);
  }

  private add(s: string, secret: ActiveSecret): void {
    const held = this.byString.get(s);
    if (held === undefined) this.byString.set(s, secret);
    else if (held instanceof Set) {
      held.add(secret);
      if (held.size > MOST_HELD) this.byString.set(s, { many: MANY });
    } else if (!isMany(held) && held !== secret) this.byString.set(s, new Set([held, secret]));
  }

  private remove(s: string, secret: ActiveSecret): void {
    const held = this.byString.get(s);
    if (held === secret) this.byString.delete(s);
    else if (held instanceof Set) {
      held.delete(secret);
      if (held.size === 1) this.byString.set(s, [...held][0] as ActiveSecret);
    }
  }

  /** How many secrets the strings starting with `prefix` hold (one may count twice); undefined past `cap`. */
  countWithPrefix(prefix: string, cap: number): number | undefined {
    let count = 0;
    for (const [s, held] of this.byString.entries(prefix)) {
      if (!s.startsWith(prefix)) break;
      if (isMany(held)) return undefined;
      count += held instanceof Set ? held.size : 1;
      if (count > cap) return undefined;
    }
    return count;
  }

  /** The secrets of every string that starts with `prefix`, a group a string (one may be in two). */
  withPrefix(prefix: string): Array<Iterable<ActiveSecret>> {
    const groups: Array<Iterable<ActiveSecret>> = [];
    for (const [s, held] of this.byString.entries(prefix)) {
      if (!s.startsWith(prefix)) break;
      if (held instanceof Set) groups.push(held);
      else if (!isMany(held)) groups.push([held]);
    }
    return groups;
  }
}

const isMany = (held: object): held is { readonly many: typeof MANY } => "many" in held;

/** A secret's strings of one kind, each once. */
const distinct = (strings: ReadonlyArray<string>): ReadonlyArray<string> => [...new Set(strings)];
const tagKeysOf = (secret: ActiveSecret) => distinct((secret.tags ?? []).map((t) => t.Key));
const tagValuesOf = (secret: ActiveSecret) => distinct((secret.tags ?? []).map((t) => t.Value));
/** The words of a description, lower case, as the description filter matches them (by prefix). */
const wordsOf = (secret: ActiveSecret) =>
  distinct(descriptionWords(secret.description ?? "").map((w) => w.toLowerCase()));

/**
 * The only secrets a listing's filters can let through, as far as one filter's index tells: how many (a secret in
 * two groups counts twice), and in groups (a string's, a name range).
 */
export type Candidates = { readonly count: number; readonly groups: ReadonlyArray<Iterable<ActiveSecret>> };

/**
 * The most secrets a name prefix gives as candidates: names are counted one by one along the name order (the
 * strings' sets know their size), so past it a name filter has none and the listing walks.
 */
const NAMES_COUNTED = 20_000;

export class SecretIndex {
  private readonly orders = new Map<SortBy, BTree<Ordered, undefined>>(
    SORTS.map((sortBy) => [sortBy, new BTree<Ordered, undefined>(undefined, comparing(sortBy))]),
  );
  private readonly tagKeys = new Postings(tagKeysOf);
  private readonly tagValues = new Postings(tagValuesOf);
  private readonly words = new Postings(wordsOf);

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
    // The sets hold states: the new one takes the old one's place in each.
    this.post(before, after);
  }

  private add(secret: ActiveSecret): void {
    for (const order of this.orders.values()) order.set(secret, undefined);
    this.post(undefined, secret);
  }

  private remove(secret: ActiveSecret): void {
    for (const order of this.orders.values()) order.delete(secret);
    this.post(secret, undefined);
  }

  /** Secret `before` is now `after` (either absent), in every string's sets. */
  private post(before: ActiveSecret | undefined, after: ActiveSecret | undefined): void {
    for (const postings of [this.tagKeys, this.tagValues, this.words]) postings.replace(before, after);
  }

  /**
   * The only secrets `filters` can let through as far as one filter's index tells (that of the fewest), as groups
   * (a secret may be in two), or undefined when no filter has an index to ask (a negated value, a filter without
   * one, a string too many secrets have).
   */
  candidates(filters: ReadonlyArray<SecretFilter>): Candidates | undefined {
    let best: Candidates | undefined;
    for (const filter of filters) {
      if (filter.values.some((v) => v.startsWith("!"))) continue;
      const found = this.secretsFor(filter, best?.count ?? Infinity);
      if (found !== undefined) best = found;
    }
    return best;
  }

  /** The secrets one filter's index gives, and how many, if fewer than `fewest` (counted only that far). */
  private secretsFor(filter: SecretFilter, fewest: number): Candidates | undefined {
    const postings = this.postingsFor(filter.key);
    if (postings === "none") return undefined;
    // A description's words: those of its rarest word (the filter checks the others).
    const prefixes = filter.values.map((value) =>
      filter.key !== "description" ? value : this.rarestWord(value, postings as Postings),
    );
    let count = 0;
    for (const prefix of prefixes) {
      const n =
        prefix === undefined
          ? undefined
          : postings === "names"
            ? this.countNamed(prefix, Math.min(fewest, NAMES_COUNTED) - count)
            : postings.countWithPrefix(prefix, fewest - count);
      if (n === undefined) return undefined;
      count += n;
    }
    const groups = (prefix: string) => (postings === "names" ? [this.named(prefix)] : postings.withPrefix(prefix));
    return { count, groups: (prefixes as string[]).flatMap(groups) };
  }

  private postingsFor(key: SecretFilter["key"]): Postings | "names" | "none" {
    switch (key) {
      case "name":
        return "names";
      case "tag-key":
        return this.tagKeys;
      case "tag-value":
        return this.tagValues;
      case "description":
        return this.words;
      // Without an index of their own: the listing walks its order and checks them.
      case "all":
      case "primary-region":
      case "owning-service":
        return "none";
      default: {
        const unknownKey: never = key;
        return unknownKey;
      }
    }
  }

  /** Of the words of a description filter's value, the one (lower case) fewest descriptions have a word starting with. */
  private rarestWord(value: string, words: Postings): string | undefined {
    let rarest: { readonly word: string; readonly count: number } | undefined;
    for (const word of descriptionWords(value).map((w) => w.toLowerCase())) {
      const count = words.countWithPrefix(word, rarest?.count ?? Infinity);
      if (count !== undefined) rarest = { word, count };
    }
    return rarest?.word;
  }

  /** The secrets whose name starts with `prefix`, in name order. */
  private named(prefix: string): Iterable<ActiveSecret> {
    return {
      [Symbol.iterator]: () => {
        const entries = this.byName.entries([prefix, ""], []);
        return until(entries, (secret) => !secret.name.startsWith(prefix), undefined);
      },
    };
  }

  private countNamed(prefix: string, cap: number): number | undefined {
    let count = 0;
    for (const _ of this.named(prefix)) if (++count > cap) return undefined;
    return count;
  }

  /**
   * The secrets in the order `sortBy` (`direction` 1: ascending, -1: descending), from just past `after`, as long
   * as the caller keeps taking them.
   */
  inOrder(sortBy: SortBy, direction: 1 | -1, after?: SortKey): IterableIterator<ActiveSecret> {
    const order = this.orders.get(sortBy) as BTree<Ordered, undefined>;
    const entries = direction === 1 ? order.entries(after, []) : order.entriesReversed(after, []);
    const compare = comparing(sortBy);
    return until(entries, () => false, after === undefined ? undefined : (secret) => compare(secret, after) === 0);
  }
}

/**
 * The secrets a tree's entries hold, until one `stop` says to (none skipped when `skip` is undefined). An iterator
 * and not a generator: a page's walk takes a million steps at most, and a generator's resuming costs more than a
 * step.
 */
const until = (
  entries: Iterator<[Ordered, undefined]>,
  stop: (secret: ActiveSecret) => boolean,
  skip: ((secret: ActiveSecret) => boolean) | undefined,
): IterableIterator<ActiveSecret> => ({
  next(): IteratorResult<ActiveSecret, undefined> {
    for (;;) {
      const entry = entries.next();
      if (entry.done === true) return { done: true, value: undefined };
      const secret = entry.value[0] as ActiveSecret;
      if (stop(secret)) return { done: true, value: undefined };
      if (skip === undefined || !skip(secret)) return { done: false, value: secret };
    }
  },
  [Symbol.iterator]() {
    return this;
  },
});
