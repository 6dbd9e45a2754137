import type { ActiveSecret } from "../src/domain/state.js";

// Secrets in one order, read lazily: from several streams each in that order (a binary heap of the streams by their
// next secret; a secret in two streams, a string of each of its tags matching a filter, comes once), or from secrets
// in no order (a binary heap of them: made in one pass, then a secret at a time, so that a page of 100 out of ten
// thousand costs about three compares each rather than a sort).

/** A binary heap made of `items` in place (first: the least by `before`): its first, and how to take or replace it. */
const heapOf = <T>(items: T[], before: (a: T, b: T) => boolean) => {
  const sink = (from: number): void => {
    for (let i = from; ;) {
      const left = 2 * i + 1;
      const least = left + 1 < items.length && before(items[left + 1] as T, items[left] as T) ? left + 1 : left;
      if (least >= items.length || !before(items[least] as T, items[i] as T)) return;
      [items[i], items[least]] = [items[least] as T, items[i] as T];
      i = least;
    }
  };
  for (let i = (items.length >> 1) - 1; i >= 0; i--) sink(i);
  return {
    first: (): T | undefined => items[0],
    /** The first taken out (the last put in its place), and the heap mended. */
    takeFirst: (): void => {
      const end = items.pop() as T;
      if (items.length > 0) items[0] = end;
      sink(0);
    },
    /** The first replaced by `next`, and the heap mended. */
    replaceFirst: (next: T): void => {
      items[0] = next;
      sink(0);
    },
  };
};

/** An iterator of what `next` gives until it gives undefined. */
const iterating = (next: () => ActiveSecret | undefined): IterableIterator<ActiveSecret> => ({
  next(): IteratorResult<ActiveSecret, undefined> {
    const value = next();
    return value === undefined ? { done: true, value: undefined } : { done: false, value };
  },
  [Symbol.iterator]() {
    return this;
  },
});

type Head = { secret: ActiveSecret; readonly rest: Iterator<ActiveSecret> };

/** The secrets of `streams` (each ordered by `order`) in that order, each once, as long as the caller takes them. */
export const merged = (
  streams: ReadonlyArray<Iterator<ActiveSecret>>,
  order: (a: ActiveSecret, b: ActiveSecret) => number,
): IterableIterator<ActiveSecret> => {
  const heads: Head[] = [];
  for (const rest of streams) {
    const first = rest.next();
    if (first.done !== true) heads.push({ secret: first.value, rest });
  }
  const heap = heapOf(heads, (x, y) => order(x.secret, y.secret) < 0);
  let last: string | undefined;
  return iterating(() => {
    for (;;) {
      const top = heap.first();
      if (top === undefined) return undefined;
      const secret = top.secret;
      const next = top.rest.next();
      if (next.done === true) heap.takeFirst();
      else {
        top.secret = next.value;
        heap.replaceFirst(top);
      }
      if (secret.name === last) continue;
      last = secret.name;
      return secret;
    }
  });
};

/** `secrets` (taken as they are, and reordered) in the order `order`, as long as the caller takes them. */
export const heapOrdered = (
  secrets: ActiveSecret[],
  order: (a: ActiveSecret, b: ActiveSecret) => number,
): IterableIterator<ActiveSecret> => {
  const heap = heapOf(secrets, (x, y) => order(x, y) < 0);
  return iterating(() => {
    const top = heap.first();
    if (top !== undefined) heap.takeFirst();
    return top;
  });
};
