import { lowerCaseWords, type SecretFilter, type SortBy, type SortKey } from "../src/domain/search.js";
import type { ActiveSecret, SecretState } from "../src/domain/state.js";
import { fromCursor, orderTree, SORTS, swapIn, until, type OrderTree } from "./orders.js";
import { inOrderOf, Postings, type Gathered } from "./postings.js";

// What ListSecrets needs to answer a page out of a million secrets without looking at each: the secrets in each
// order it sorts by (a B+ tree per order), and, for its filters, the secrets by name, tag key, tag value and
// description word (postings.ts: the strings in order, so that a prefix is a range, and a string's many secrets in
// each order too). Kept up to date by the catalog as it applies records. A page is then read from the cursor on:
// from the filter's own secrets in order where its index has them so, else walking the order, or going through the
// few the filter's index names (index-pages.ts).

/** A secret's strings of one kind, each once. */
const distinct = (strings: ReadonlyArray<string>): ReadonlyArray<string> => [...new Set(strings)];
const tagKeysOf = (secret: ActiveSecret) => distinct((secret.tags ?? []).map((t) => t.Key));
const tagValuesOf = (secret: ActiveSecret) => distinct((secret.tags ?? []).map((t) => t.Value));
/** The words of a description, lower case, as the description filter matches them (by prefix). */
const wordsOf = (secret: ActiveSecret) => distinct(lowerCaseWords(secret.description ?? ""));

/**
 * The only secrets a listing's filters can let through, as far as one filter's index tells: how many (a secret in
 * two groups counts twice), and in groups (a string's, a name range).
 */
export type Candidates = Gathered & {
  /**
   * The candidates in the order `sortBy`, from just past `after`, each once, where reading them so costs less than
   * reading them all (see `inOrderOf`); otherwise undefined.
   */
  readonly inOrder: (sortBy: SortBy, direction: 1 | -1, after?: SortKey) => IterableIterator<ActiveSecret> | undefined;
};

/**
 * The most secrets a name prefix gives as candidates: names are counted one by one along the name order (the
 * strings' sets know their size), so past it a name filter has none and the listing walks.
 */
const NAMES_COUNTED = 20_000;

export class SecretIndex {
  private readonly orders = new Map<SortBy, OrderTree>(SORTS.map((sortBy) => [sortBy, orderTree(sortBy)]));
  private readonly tagKeys = new Postings(tagKeysOf);
  private readonly tagValues = new Postings(tagValuesOf);
  private readonly words = new Postings(wordsOf);

  /** The secrets by name: also where a name prefix is a range. */
  private get byName(): OrderTree {
    return this.orders.get("name") as OrderTree;
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
    for (const [sortBy, order] of this.orders) swapIn(order, sortBy, before, after);
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
   * one, a name prefix more than NAMES_COUNTED names have).
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
    const groups: Array<Iterable<ActiveSecret>> = [];
    let count = 0;
    for (const value of filter.values) {
      const found =
        postings === "names"
          ? this.named(value, Math.min(fewest, NAMES_COUNTED) - count)
          : filter.key === "description"
            ? this.rarestWord(value, postings, fewest - count)
            : postings.withPrefix(value, fewest - count);
      if (found === undefined) return undefined;
      count += found.count;
      groups.push(...found.groups);
    }
    return { count, groups, inOrder: (sortBy, direction, after) => inOrderOf(groups, sortBy, direction, after) };
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

  /**
   * A description filter's value's words' secrets: those of the word (lower case) fewest descriptions have a word
   * starting with (the filter checks the others), if they are at most `cap`.
   */
  private rarestWord(value: string, words: Postings, cap: number): Gathered | undefined {
    let rarest: Gathered | undefined;
    for (const word of lowerCaseWords(value)) rarest = words.withPrefix(word, rarest?.count ?? cap) ?? rarest;
    return rarest;
  }

  /** The secrets whose name starts with `prefix`, in name order, if they are at most `cap` (counted one by one). */
  private named(prefix: string, cap: number): Gathered | undefined {
    const range: Iterable<ActiveSecret> = {
      [Symbol.iterator]: () => {
        const entries = this.byName.entries([prefix, ""], []);
        return until(entries, (secret) => !secret.name.startsWith(prefix), undefined);
      },
    };
    let count = 0;
    for (const _ of range) if (++count > cap) return undefined;
    return { count, groups: [range] };
  }

  /**
   * The secrets in the order `sortBy` (`direction` 1: ascending, -1: descending), from just past `after`, as long
   * as the caller keeps taking them.
   */
  inOrder(sortBy: SortBy, direction: 1 | -1, after?: SortKey): IterableIterator<ActiveSecret> {
    return fromCursor(this.orders.get(sortBy) as OrderTree, sortBy, direction, after);
  }
}
