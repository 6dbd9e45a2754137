// Passes over every secret, on timers, that hand the event loop back as they go.

/** How long a pass over the secrets runs before it hands the event loop back. */
const SLICE_MS = 5;

/**
 * Each item, the event loop handed back every SLICE_MS: a pass over a million secrets (tens of milliseconds, or
 * seconds when the checkpoint's entries are still to be read) never holds up the requests meanwhile.
 */
export async function* inSlices<A>(items: Iterable<A>): AsyncGenerator<A> {
  let until = performance.now() + SLICE_MS;
  let n = 0;
  for (const item of items) {
    if (++n % 64 === 0 && performance.now() >= until) {
      await new Promise((resolve) => setImmediate(resolve));
      until = performance.now() + SLICE_MS;
    }
    yield item;
  }
}
