import type { ActiveSecret } from "../src/domain/state.js";

// Secrets from several streams, each in one order, as one stream in that order: a binary heap of the streams by
// their next secret. A secret in two streams (a string of each of its tags matches a filter) comes once.

type Head = { secret: ActiveSecret; readonly rest: Iterator<ActiveSecret> };

/** The secrets of `streams` (each ordered by `order`) in that order, each once, as long as the caller takes them. */
export const merged = (
  streams: ReadonlyArray<Iterator<ActiveSecret>>,
  order: (a: ActiveSecret, b: ActiveSecret) => number,
): IterableIterator<ActiveSecret> => {
  const heap: Head[] = [];
  for (const rest of streams) {
    const first = rest.next();
    if (first.done !== true) heap.push({ secret: first.value, rest });
  }
  const before = (i: number, j: number) => order((heap[i] as Head).secret, (heap[j] as Head).secret) < 0;
  const sink = (from: number): void => {
    for (let i = from; ;) {
      const left = 2 * i + 1;
      const least = left + 1 < heap.length && before(left + 1, left) ? left + 1 : left;
      if (least >= heap.length || !before(least, i)) return;
      [heap[i], heap[least]] = [heap[least] as Head, heap[i] as Head];
      i = least;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) sink(i);
  let last: string | undefined;
  return {
    next(): IteratorResult<ActiveSecret, undefined> {
      for (;;) {
        const top = heap[0];
        if (top === undefined) return { done: true, value: undefined };
        const secret = top.secret;
        const next = top.rest.next();
        if (next.done === true) {
          const end = heap.pop() as Head;
          if (heap.length > 0) heap[0] = end;
        } else top.secret = next.value;
        sink(0);
        if (secret.name === last) continue;
        last = secret.name;
        return { done: false, value: secret };
      }
    },
    [Symbol.iterator]() {
      return this;
    },
  };
};
