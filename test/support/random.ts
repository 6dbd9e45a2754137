/**
 * A seeded pseudo-random source for the tests that generate their input (fuzzing, chaos, random commands): the
 * same seed gives the same run. `below(n)` is a whole number in [0, n), taken from the generator's high bits
 * (its low bits cycle: the lowest one alternates).
 */
export const seededRandom = (seed: number) => {
  let state = seed;
  const below = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((state / 2 ** 31) * n);
  };
  return { below, pick: <T>(xs: ReadonlyArray<T>): T => xs[below(xs.length)] as T };
};
