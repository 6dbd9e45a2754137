import BTreeModule from "sorted-btree";
import { sortValue, type SortBy, type SortKey } from "../src/domain/search.js";
import type { ActiveSecret } from "../src/domain/state.js";

// Secrets in an order ListSecrets sorts by: a B+ tree of the secrets themselves (no key of their own: a million
// secrets, several trees each), looked up by a secret or a cursor's key. The listing's index keeps one of every
// secret an order, and one of a string's secrets an order where a string has many.

const BTree = BTreeModule.default;

/** What an order's tree holds: the secrets themselves, and a cursor's key to look one up by. */
export type Ordered = ActiveSecret | SortKey;

export type OrderTree = InstanceType<typeof BTreeModule.default<Ordered, undefined>>;

export const SORTS: ReadonlyArray<SortBy> = ["created-date", "last-changed-date", "last-accessed-date", "name"];

/** Compares what `sortBy` orders by: the value, then the name, of a secret or a cursor's key. */
export const comparing = (sortBy: SortBy) => {
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

/** An empty tree in the order `sortBy`, with `secrets` in it. */
export const orderTree = (sortBy: SortBy, secrets: Iterable<ActiveSecret> = []): OrderTree => {
  const tree: OrderTree = new BTree<Ordered, undefined>(undefined, comparing(sortBy));
  for (const secret of secrets) tree.set(secret, undefined);
  return tree;
};

/**
 * Secret `before` is now `after` (the same name) in `tree`: in its place (the tree takes the new state for the
 * old one), or out and in again if it moved.
 */
export const swapIn = (tree: OrderTree, sortBy: SortBy, before: ActiveSecret, after: ActiveSecret): void => {
  if (sortValue(before, sortBy) !== sortValue(after, sortBy)) tree.delete(before);
  tree.set(after, undefined);
};

/**
 * The secrets of `tree` (in the order `sortBy`) in the direction `direction` (1: ascending, -1: descending), from
 * just past `after`, as long as the caller keeps taking them.
 */
export const fromCursor = (
  tree: OrderTree,
  sortBy: SortBy,
  direction: 1 | -1,
  after: SortKey | undefined,
): IterableIterator<ActiveSecret> => {
  const entries = direction === 1 ? tree.entries(after, []) : tree.entriesReversed(after, []);
  const compare = comparing(sortBy);
  return until(entries, () => false, after === undefined ? undefined : (secret) => compare(secret, after) === 0);
};

/**
 * The secrets a tree's entries hold, until one `stop` says to (none skipped when `skip` is undefined). An iterator
 * and not a generator: a page's walk takes a million steps at most, and a generator's resuming costs more than a
 * step.
 */
export const until = (
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
