import { test } from "uvu";
import * as assert from "uvu/assert";
import { heapOrdered, merged } from "../../projections/merged.js";
import type { ActiveSecret } from "../../src/domain/state.js";
import { seededRandom } from "../support/random.js";

// Secrets read lazily in one order: from secrets in no order (a heap), and from several ordered streams (merged,
// each secret once), against a plain sort. Only a secret's name is read here: the order compares names.

const secret = (name: string) => ({ name }) as ActiveSecret;
const byName = (a: ActiveSecret, b: ActiveSecret) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const names = (secrets: Iterable<ActiveSecret>) => [...secrets].map((s) => s.name);

test("secrets in no order come out of the heap in order, every one of them, however many", () => {
  const random = seededRandom(7);
  for (const size of [0, 1, 2, 3, 5, 16, 17, 100, 1_000, 4_097]) {
    const secrets = Array.from({ length: size }, () => secret(`s/${random.below(1_000_000)}`));
    const expected = names(secrets).sort();
    assert.equal(names(heapOrdered([...secrets], byName)), expected, `${size}`);
    // Taken a few at a time: the next ones still the least of those left.
    const stream = heapOrdered([...secrets], (a, b) => -byName(a, b));
    const first = Array.from({ length: Math.min(size, 10) }, () => (stream.next().value as ActiveSecret).name);
    assert.equal(first, [...expected].reverse().slice(0, 10), `${size}, descending`);
  }
});

test("merged streams give each secret once, in order, whichever streams it is in", () => {
  const random = seededRandom(11);
  for (let round = 0; round < 50; round++) {
    const all = Array.from({ length: random.below(300) }, (_, k) => `s/${String(k).padStart(4, "0")}`);
    // Each stream a sorted subset; a secret may be in several, or in none.
    const streams = Array.from({ length: 1 + random.below(6) }, () => all.filter(() => random.below(3) === 0));
    const expected = [...new Set(streams.flat())].sort();
    const read = merged(
      streams.map((s) => s.map(secret).values()),
      byName,
    );
    assert.equal(names(read), expected, `round ${round}`);
  }
});

test.run();
