import { test } from "uvu";
import * as assert from "uvu/assert";
import { firstInOrder } from "../../projections/index-pages.js";
import { SecretCatalog } from "../../projections/secret-catalog.js";
import { event, secretCreated, type SecretEvent } from "../../src/domain/events.js";
import {
  compareSortKeys,
  matchesFilters,
  sortValue,
  type SecretFilter,
  type SortBy,
  type SortKey,
} from "../../src/domain/search.js";
import type { ActiveSecret } from "../../src/domain/state.js";
import type { SecretName } from "../../src/domain/types.js";
import { seededRandom } from "../support/random.js";

// A filter's candidates read in order from a cursor (a string's many secrets are kept in each order) against the
// plain way, while strings grow past the few kept as they come and shrink back, secrets are written (their
// last-changed date moves), read (their last-accessed day) and retagged.

const SORTS: SortBy[] = ["created-date", "last-changed-date", "last-accessed-date", "name"];
const COLOURS = ["red", "reddish", "redder", "green", "greenish", "blue", "bluish", "brown"];
const at = (t: number) => 1_700_000_000_000 + t * 1000;

/**
 * What happens to a secret at `step`: made, if it is not (but while `shrinking`); else deleted (three times in five
 * while `shrinking`, one in five otherwise), retagged, described anew, read or written.
 */
const eventsFor = (
  name: string,
  active: boolean,
  step: number,
  shrinking: boolean,
  random: ReturnType<typeof seededRandom>,
): SecretEvent[] => {
  const t = at(step);
  const choice = random.below(5);
  if (!active)
    return shrinking
      ? []
      : [
          secretCreated(
            {
              name: name as SecretName,
              arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
              description: `${random.pick(COLOURS)} thing`,
              tags: [
                { Key: "colour", Value: random.pick(COLOURS) },
                { Key: "shade", Value: random.pick(COLOURS) },
              ],
            },
            at(random.below(step + 1)), // creation dates tie and interleave
          ),
        ];
  if (shrinking ? choice < 3 : choice === 4)
    return [event("SecretDeleted", { arn: "", versionIds: [], forced: true }, t)];
  if (choice === 0)
    return [
      event("SecretTagged", { tags: [{ Key: random.pick(["colour", "shade"]), Value: random.pick(COLOURS) }] }, t),
    ];
  if (choice === 1) return [event("SecretUpdated", { description: `${random.pick(COLOURS)} x` }, t)];
  if (choice === 2)
    return [event("SecretAccessed", { versionId: "x".repeat(32), day: at(random.below(3) * 86_400) }, t)];
  return [event("SecretUpdated", {}, t)]; // written: its last-changed date moves
};

test("a filter's candidates in order are the plain listing's, from any cursor, as strings grow and shrink", async () => {
  const random = seededRandom(23);
  const catalog = new SecretCatalog();
  await catalog.indexed();
  const names = Array.from({ length: 200 }, (_, i) => `svc/${random.pick(["a", "b"])}/${i}`);
  let seq = 0;
  const sizes: number[] = [];
  for (let step = 0; step < 900; step++) {
    // Growing for the first third, shrinking for the second, both after.
    const shrinking = step >= 300 && step < 600;
    const active = [...catalog.allSecrets()].map((s) => s.name);
    const name = shrinking && active.length > 0 ? random.pick(active) : random.pick(names);
    const events = eventsFor(name, catalog.entry(name).state.status === "active", step, shrinking, random);
    if (events.length > 0) catalog.apply(++seq, name, events);

    const filters: SecretFilter[] = [
      random.below(2) === 0
        ? { key: "tag-value", values: [random.pick(["red", "re", "r", "gr", "b", "bl", "reddish"])] }
        : { key: "description", values: [random.pick(["red", "b", "gre"])] },
    ];
    const sortBy = random.pick(SORTS);
    const direction = random.below(2) === 0 ? 1 : -1;
    const keyOf = (s: ActiveSecret): SortKey => [sortValue(s, sortBy), s.name];
    const expected = [...catalog.allSecrets()]
      .filter((s) => matchesFilters(s, filters))
      .sort((a, b) => direction * compareSortKeys(keyOf(a), keyOf(b)));
    const index = await catalog.indexed();
    const candidates = index.candidates(filters);
    sizes.push(index.candidates([{ key: "tag-value", values: ["blue"] }])?.count ?? 0);
    const cut = random.below(expected.length + 1);
    const cursor = cut === 0 ? undefined : keyOf(expected[cut - 1] as ActiveSecret);
    const inOrder = candidates?.inOrder(sortBy, direction, cursor);
    if (inOrder === undefined) return assert.unreachable(`step ${step}: every string here is read in order`);
    const read = [...inOrder];
    assert.is(new Set(read.map((s) => s.name)).size, read.length, `step ${step}: each secret once`);
    for (let i = 1; i < read.length; i++)
      assert.ok(direction * compareSortKeys(keyOf(read[i - 1] as ActiveSecret), keyOf(read[i] as ActiveSecret)) < 0);
    assert.equal(
      read.filter((s) => matchesFilters(s, filters)).map((s) => s.name),
      expected.slice(cut).map((s) => s.name),
      `step ${step}: ${JSON.stringify({ filters, sortBy, direction, cursor })}`,
    );
    for (const s of read) assert.ok(catalog.entry(s.name).state === s, `step ${step}: ${s.name} is stale`);
  }
  // A string went past the few kept as they come (16), and back.
  assert.ok(Math.max(...sizes.slice(0, 300)) > 32, `grew to ${Math.max(...sizes.slice(0, 300))}`);
  assert.ok(Math.min(...sizes.slice(300, 600)) < 4, `shrank to ${Math.min(...sizes.slice(300, 600))}`);
});

test("candidates of strings kept as they come are read in order up to 32,768 of them", async () => {
  // 33,000 secrets, each its own tag value: a prefix of all of them is 33,000 strings of one secret each.
  const catalog = new SecretCatalog();
  const count = 33_000;
  for (let i = 0; i < count; i++) {
    const name = `one/${i}`;
    catalog.apply(i + 1, name, [
      secretCreated(
        {
          name: name as SecretName,
          arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
          tags: [{ Key: "id", Value: `id-${i}` }],
        },
        at(count - i), // the last made come first by creation
      ),
    ]);
  }
  const index = await catalog.indexed();
  const few = index.candidates([{ key: "tag-value", values: ["id-12"] }]); // id-12, id-120…129, … id-12999
  assert.is(few?.count, 1_111);
  const read = [...(few?.inOrder("name", -1) ?? [])].map((s) => s.name);
  assert.equal(read, [...read].sort().reverse());
  assert.is(read.length, 1_111);
  // 11,111 (id-1, id-10…19, … id-10000…19999) read from a cursor by creation: the next page's, and no other.
  const many = index.candidates([{ key: "tag-value", values: ["id-1"] }]);
  assert.is(many?.count, 11_111);
  const cursor: SortKey = [at(count - 15_000), "one/15000"];
  const page = [];
  for (const s of many?.inOrder("created-date", 1, cursor) ?? []) if (page.push(s.name) === 100) break;
  assert.equal(
    page,
    Array.from({ length: 100 }, (_, k) => `one/${14_999 - k}`),
  );
  const all = index.candidates([{ key: "tag-value", values: ["id-"] }]);
  assert.is(all?.count, count);
  assert.is(all?.inOrder("name", 1), undefined);
});

test("a string more than 65,536 secrets have is no longer kept in order, and its pages still come right", async () => {
  const catalog = new SecretCatalog();
  const count = (1 << 16) + 100; // 65,616 "rest"
  for (let i = 0; i < count; i++) {
    const name = `all/${String(i).padStart(6, "0")}`;
    catalog.apply(i + 1, name, [
      secretCreated(
        {
          name: name as SecretName,
          arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
          tags: [{ Key: "kind", Value: i < 20 ? "first" : "rest" }],
        },
        at(count - i), // the last made come first by creation
      ),
    ]);
  }
  const index = await catalog.indexed();
  const rest = [{ key: "tag-value", values: ["rest"] }] as const;
  assert.is(index.candidates(rest)?.count, count - 20);
  assert.is(index.candidates(rest)?.inOrder("name", 1), undefined);
  assert.ok(index.candidates([{ key: "tag-value", values: ["first"] }])?.inOrder("name", 1) !== undefined);
  const page = firstInOrder(index, { filters: rest, sortBy: "created-date", direction: 1 }, 5, (s) =>
    matchesFilters(s, rest) ? s.name : undefined,
  );
  assert.equal(
    page.map((r) => r.row),
    Array.from({ length: 6 }, (_, k) => `all/${String(count - 1 - k).padStart(6, "0")}`),
  );
});

test.run();
