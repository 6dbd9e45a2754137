import BTreeModule from "sorted-btree";
import type { SortBy, SortKey } from "../src/domain/search.js";
import type { ActiveSecret } from "../src/domain/state.js";
import { heapOrdered, merged } from "./merged.js";
import { comparing, fromCursor, orderTree, SORTS, swapIn, type OrderTree } from "./orders.js";

// The secrets by a string (a tag key, a tag value, a description word), with the strings in order so that those
// starting with a prefix are one range. A string's secrets are kept as the index's states (a secret's change swaps
// its state in each string it is in): one as itself, a few as they come, many in each order ListSecrets sorts by
// (a tree an order), so that a page of them is read from the cursor on, however many there are and wherever in the
// order they are.

const BTree = BTreeModule.default;

/** Up to this many, a string's secrets are kept as they come; past it, in order. */
const FEW = 16;

/**
 * The most secrets of strings kept as they come that a listing reads in order (a heap of them, made in one pass:
 * about three compares a secret; 11,111 took 3.3-3.6 ms a page among 1,000,000), merged with those of strings kept
 * in order; past it, the candidates are read as they come (see index-pages.ts), which costs about as much a secret.
 */
const HEAPED_MOST = 1 << 15;

/**
 * The most secrets a string's are kept in order for: four trees cost ~30 B a secret a string (against ~8 for the
 * set alone), and a string most secrets have is quickest walked.
 */
const MOST_KEPT = 1 << 16;

/**
 * A string's secrets when there are many: a set, and while there are at most MOST_KEPT, one tree an order as well.
 * Past it they are no longer kept in order, even once fewer again (making trees of tens of thousands would stall the
 * records' applying), until so few are left that they are kept as they come; a listing then reads them as they come,
 * as it reads a name prefix's.
 */
class Many implements Iterable<ActiveSecret> {
  private readonly members: Set<ActiveSecret>;
  private trees: ReadonlyArray<readonly [SortBy, OrderTree]> | undefined;

  constructor(secrets: ReadonlyArray<ActiveSecret>) {
    this.members = new Set(secrets);
    this.trees = SORTS.map((sortBy) => [sortBy, orderTree(sortBy, secrets)] as const);
  }

  get size(): number {
    return this.members.size;
  }

  add(secret: ActiveSecret): void {
    this.members.add(secret);
    if (this.members.size > MOST_KEPT) this.trees = undefined;
    for (const [, tree] of this.trees ?? []) tree.set(secret, undefined);
  }

  remove(secret: ActiveSecret): void {
    this.members.delete(secret);
    for (const [, tree] of this.trees ?? []) tree.delete(secret);
  }

  swap(before: ActiveSecret, after: ActiveSecret): void {
    this.members.delete(before);
    this.members.add(after);
    for (const [sortBy, tree] of this.trees ?? []) swapIn(tree, sortBy, before, after);
  }

  /** The secrets in the order `sortBy`, from just past `after`, if they are kept in order. */
  inOrder(sortBy: SortBy, direction: 1 | -1, after: SortKey | undefined): Iterator<ActiveSecret> | undefined {
    const tree = this.trees?.find(([kept]) => kept === sortBy)?.[1];
    return tree === undefined ? undefined : fromCursor(tree, sortBy, direction, after);
  }

  [Symbol.iterator](): Iterator<ActiveSecret> {
    return this.members.values();
  }
}

/** Secrets in groups (a string's, a name range), and how many (a secret in two groups counts twice). */
export type Gathered = { readonly count: number; readonly groups: ReadonlyArray<Iterable<ActiveSecret>> };

/** A string's secrets: one, a few (as they come), or many (in order). */
type Held = ActiveSecret | ActiveSecret[] | Many;

const sizeOf = (held: Held): number => (held instanceof Many ? held.size : Array.isArray(held) ? held.length : 1);

export class Postings {
  private readonly byString = new BTree<string, Held>();

  /** `stringsOf`: a secret's strings of this kind, each once. */
  constructor(private readonly stringsOf: (secret: ActiveSecret) => ReadonlyArray<string>) {}

  /** Secret `before` is now `after` (either absent: created, or gone): out of its strings, into its new ones. */
  replace(before: ActiveSecret | undefined, after: ActiveSecret | undefined): void {
    const was = before === undefined ? [] : this.stringsOf(before);
    const is = after === undefined ? [] : this.stringsOf(after);
    if (before !== undefined) for (const s of was) if (after === undefined || !is.includes(s)) this.remove(s, before);
    if (after !== undefined)
      for (const s of is)
        if (before !== undefined && was.includes(s)) this.swap(s, before, after);
        else this.add(s, after);
  }

  private add(s: string, secret: ActiveSecret): void {
    const held = this.byString.get(s);
    if (held === undefined) this.byString.set(s, secret);
    else if (held instanceof Many) held.add(secret);
    else if (!Array.isArray(held)) {
      if (held.name !== secret.name) this.byString.set(s, [held, secret]);
    } else if (!held.some((h) => h.name === secret.name)) {
      held.push(secret);
      if (held.length > FEW) this.byString.set(s, new Many(held));
    }
  }

  private remove(s: string, secret: ActiveSecret): void {
    const held = this.byString.get(s);
    if (held instanceof Many) {
      held.remove(secret);
      if (held.size <= FEW / 2) this.byString.set(s, [...held]);
    } else if (Array.isArray(held)) {
      const at = held.findIndex((h) => h.name === secret.name);
      if (at >= 0) held.splice(at, 1);
      if (held.length === 1) this.byString.set(s, held[0] as ActiveSecret);
    } else if (held?.name === secret.name) this.byString.delete(s);
  }

  private swap(s: string, before: ActiveSecret, after: ActiveSecret): void {
    const held = this.byString.get(s);
    if (held instanceof Many) held.swap(before, after);
    else if (Array.isArray(held)) held[held.findIndex((h) => h.name === before.name)] = after;
    else this.byString.set(s, after);
  }

  /**
   * The secrets of every string that starts with `prefix`, a group a string (one may be in two), and how many (one
   * may count twice); undefined past `cap`.
   */
  withPrefix(prefix: string, cap: number): Gathered | undefined {
    const groups: Array<Iterable<ActiveSecret>> = [];
    let count = 0;
    for (const [s, held] of this.byString.entries(prefix)) {
      if (!s.startsWith(prefix)) break;
      count += sizeOf(held);
      if (count > cap) return undefined;
      groups.push(held instanceof Many || Array.isArray(held) ? held : [held]);
    }
    return { count, groups };
  }
}

/**
 * The secrets of `groups` (as `withPrefix` gives them, or others) in the order `sortBy`, from just past `after`,
 * each once: the groups kept in order read from the cursor, the others (up to HEAPED_MOST secrets) from a heap.
 * Undefined where that would cost more than reading them as they come: a group that does not keep the order, too
 * many secrets for the heap.
 */
export const inOrderOf = (
  groups: ReadonlyArray<Iterable<ActiveSecret>>,
  sortBy: SortBy,
  direction: 1 | -1,
  after: SortKey | undefined,
): IterableIterator<ActiveSecret> | undefined => {
  const compare = comparing(sortBy);
  const streams: Array<Iterator<ActiveSecret>> = [];
  const few: ActiveSecret[] = [];
  let heaped = 0;
  for (const group of groups) {
    if (group instanceof Many) {
      const stream = group.inOrder(sortBy, direction, after);
      if (stream === undefined) return undefined;
      streams.push(stream);
    } else if (Array.isArray(group)) {
      heaped += group.length;
      if (heaped > HEAPED_MOST) return undefined;
      for (const s of group as ReadonlyArray<ActiveSecret>)
        if (after === undefined || direction * compare(s, after) > 0) few.push(s);
    } else return undefined;
  }
  const order = (a: ActiveSecret, b: ActiveSecret) => direction * compare(a, b);
  streams.push(heapOrdered(few, order));
  return merged(streams, order);
};
