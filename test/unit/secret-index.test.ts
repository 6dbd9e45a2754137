import { test } from "uvu";
import * as assert from "uvu/assert";
import { SecretCatalog } from "../../projections/secret-catalog.js";
import type { Candidates } from "../../projections/secret-index.js";
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

// The listing's index against the plain way: every secret checked against the filters, then sorted. Secrets are
// made, tagged, untagged, described anew, accessed and deleted at random; after each step the index must give the
// same secrets, in the same order, from any cursor, and its candidates must hold every secret that passes.

const WORDS = ["alpha", "beta", "Gamma", "delta", "alphabet", "prod", "staging"];
const SORTS: SortBy[] = ["created-date", "last-changed-date", "last-accessed-date", "name"];

const at = (t: number) => 1_700_000_000_000 + t * 1000;

/** The secrets of the candidates' groups, in turn. */
const flat = (candidates: Candidates | undefined): ActiveSecret[] =>
  (candidates?.groups ?? []).flatMap((group) => [...group]);

test("the index lists what a plain filter and sort lists, through creations, changes and deletions", async () => {
  const random = seededRandom(19);
  const catalog = new SecretCatalog();
  await catalog.indexed(); // made first: then kept up to date by every record
  const names = Array.from({ length: 60 }, (_, i) => `app/${random.pick(["db", "api", "web"])}/${i}`);
  const phrase = () => Array.from({ length: 1 + random.below(3) }, () => random.pick(WORDS)).join(" ");
  let seq = 0;
  const apply = (name: string, events: SecretEvent[]) => catalog.apply(++seq, name, events);
  for (let step = 0; step < 400; step++) {
    const name = random.pick(names);
    const t = at(step);
    const exists = catalog.entry(name).state.status === "active";
    const choice = random.below(6);
    if (!exists)
      apply(name, [
        secretCreated(
          {
            name: name as SecretName,
            arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
            ...(random.below(2) === 0 ? { description: phrase() } : {}),
          },
          t,
        ),
      ]);
    else if (choice === 0)
      apply(name, [event("SecretTagged", { tags: [{ Key: random.pick(WORDS), Value: random.pick(WORDS) }] }, t)]);
    else if (choice === 1) apply(name, [event("SecretUntagged", { tagKeys: [random.pick(WORDS)] }, t)]);
    else if (choice === 2) apply(name, [event("SecretUpdated", { description: phrase() }, t)]);
    else if (choice === 3) apply(name, [event("SecretAccessed", { versionId: "x".repeat(32), day: t }, t)]);
    else if (choice === 4) apply(name, [event("SecretDeleted", { arn: "", versionIds: [], forced: true }, t)]);
    else apply(name, [event("DeletionScheduled", { deletionDate: t + 7 * 86_400_000 }, t)]);

    const filters: SecretFilter[] = [];
    for (const key of ["name", "tag-key", "tag-value", "description"] as const)
      if (random.below(3) === 0) {
        const value = key === "name" ? `app/${random.pick(["d", "db", "a", "w"])}` : random.pick(WORDS).slice(0, 3);
        filters.push({ key, values: [random.below(5) === 0 ? `!${value}` : value] });
      }
    const sortBy = random.pick(SORTS);
    const direction = random.below(2) === 0 ? 1 : -1;
    const all = [...catalog.allSecrets()];
    const keyOf = (s: ActiveSecret): SortKey => [sortValue(s, sortBy), s.name];
    const expected = all
      .filter((s) => matchesFilters(s, filters))
      .sort((a, b) => direction * compareSortKeys(keyOf(a), keyOf(b)))
      .map((s) => s.name);
    const index = await catalog.indexed();
    assert.is(index.size, all.length);
    // Walked in order (as a page does), from the start and from a cursor.
    const walked = [...index.inOrder(sortBy, direction)].filter((s) => matchesFilters(s, filters));
    assert.equal(
      walked.map((s) => s.name),
      expected,
      `step ${step}: walk`,
    );
    const cursor = walked[Math.floor(walked.length / 2)];
    if (cursor !== undefined) {
      const rest = [...index.inOrder(sortBy, direction, keyOf(cursor))]
        .map((s) => s.name)
        .filter((n) => expected.includes(n));
      assert.equal(rest, expected.slice(expected.indexOf(cursor.name) + 1), `step ${step}: from a cursor`);
    }
    // Candidates: a superset of what passes (or none, when no filter has an index), each the secret's state now.
    const found = index.candidates(filters);
    const candidates = new Set(flat(found).map((s) => s.name));
    if (found !== undefined)
      for (const n of expected) assert.ok(candidates.has(n), `step ${step}: ${n} missing from the candidates`);
    for (const s of flat(found)) assert.ok(catalog.entry(s.name).state === s, `step ${step}: ${s.name} is stale`);
    if (filters.length > 0 && filters.some((f) => !f.values[0]?.startsWith("!")))
      assert.ok(found !== undefined, `step ${step}: indexed filters narrow the listing`);
  }
});

test("the candidates are those of the filter whose index names the fewest secrets", async () => {
  const catalog = new SecretCatalog();
  for (let i = 0; i < 30; i++)
    catalog.apply(i + 1, `team/${i}`, [
      secretCreated(
        {
          name: `team/${i}` as SecretName,
          arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:team/${i}-AbCdEf`,
          tags: [{ Key: "team", Value: `t${i % 3}` }],
        },
        at(i),
      ),
    ]);
  const index = await catalog.indexed();
  const names = (filters: SecretFilter[]) =>
    flat(index.candidates(filters))
      .map((s) => s.name)
      .sort();
  assert.is(names([{ key: "tag-key", values: ["team"] }]).length, 30);
  // The narrowest filter wins, whichever comes first.
  const t1 = Array.from({ length: 10 }, (_, i) => `team/${3 * i + 1}`).sort();
  assert.equal(
    names([
      { key: "tag-key", values: ["team"] },
      { key: "tag-value", values: ["t1"] },
    ]),
    t1,
  );
  assert.equal(
    names([
      { key: "tag-value", values: ["t1"] },
      { key: "tag-key", values: ["team"] },
    ]),
    t1,
  );
  assert.equal(
    names([
      { key: "tag-key", values: ["team"] },
      { key: "name", values: ["team/2"] },
    ]),
    [
      "team/2",
      "team/20",
      "team/21",
      "team/22",
      "team/23",
      "team/24",
      "team/25",
      "team/26",
      "team/27",
      "team/28",
      "team/29",
    ],
  );
  assert.is(names([{ key: "name", values: ["team/1"] }]).length, 11);
  // Two values: both strings' secrets.
  assert.is(names([{ key: "tag-value", values: ["t1", "t2"] }]).length, 20);
  assert.is(index.candidates([{ key: "all", values: ["team"] }]), undefined);
  assert.is(index.candidates([{ key: "tag-key", values: ["!team"] }]), undefined);
});

test("a tag value two of a secret's tags share stays found when one of them goes", async () => {
  const catalog = new SecretCatalog();
  const index = await catalog.indexed();
  const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-AbCdEf";
  catalog.apply(1, "shared", [secretCreated({ name: "shared" as SecretName, arn, description: "db db prod" }, at(1))]);
  catalog.apply(2, "shared", [
    event(
      "SecretTagged",
      {
        tags: [
          { Key: "a", Value: "x" },
          { Key: "b", Value: "x" },
        ],
      },
      at(2),
    ),
  ]);
  catalog.apply(3, "shared", [event("SecretUntagged", { tagKeys: ["a"] }, at(3))]);
  catalog.apply(4, "shared", [event("SecretUpdated", { description: "db staging" }, at(4))]);
  assert.equal(
    flat(index.candidates([{ key: "tag-value", values: ["x"] }])).map((s) => s.name),
    ["shared"],
  );
  assert.equal(
    flat(index.candidates([{ key: "tag-key", values: ["a"] }])).map((s) => s.name),
    [],
  );
  assert.equal(
    flat(index.candidates([{ key: "description", values: ["db"] }])).map((s) => s.name),
    ["shared"],
  );
  assert.equal(
    flat(index.candidates([{ key: "description", values: ["prod"] }])).map((s) => s.name),
    [],
  );
});

test("records that come while the index is first made, a slice at a time, are in it once it is ready", async () => {
  const catalog = new SecretCatalog();
  const make = (i: number, t: number): SecretEvent =>
    secretCreated(
      {
        name: `many/${i}` as SecretName,
        arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:many/${i}-AbCdEf`,
        tags: [{ Key: "n", Value: String(i) }],
      },
      at(t),
    );
  let seq = 0;
  for (let i = 0; i < 12_000; i++) catalog.apply(++seq, `many/${i}`, [make(i, i)]);
  const ready = catalog.indexed();
  // The first slice is in; the rest comes between turns. Meanwhile: changes to secrets in it and not yet in it,
  // new secrets, deletions.
  for (const i of [1, 4_000, 6_000, 11_999]) {
    catalog.apply(++seq, `many/${i}`, [
      event("SecretTagged", { tags: [{ Key: "n", Value: `changed ${i}` }] }, at(20_000 + i)),
    ]);
    catalog.apply(++seq, `many/${i + 1}`, [
      event("SecretDeleted", { arn: "", versionIds: [], forced: true }, at(20_000)),
    ]);
  }
  catalog.apply(seq + 1, "many/new", [make(99_999, 30_000)]);
  const index = await ready;
  const all = [...catalog.allSecrets()];
  assert.is(index.size, all.length);
  assert.is(all.length, 12_000 - 3 + 1); // many/12000 never was
  const order = (sortBy: SortBy) =>
    all
      .map((s): [SortKey, string] => [[sortValue(s, sortBy), s.name], s.name])
      .sort((a, b) => compareSortKeys(a[0], b[0]))
      .map(([, n]) => n);
  for (const sortBy of SORTS)
    assert.equal(
      [...index.inOrder(sortBy, 1)].map((s) => s.name),
      order(sortBy),
      sortBy,
    );
  assert.equal(
    flat(index.candidates([{ key: "tag-value", values: ["changed"] }]))
      .map((s) => s.name)
      .sort(),
    ["many/1", "many/11999", "many/4000", "many/6000"],
  );
  assert.equal(flat(index.candidates([{ key: "tag-value", values: ["4001"] }])).length, 0);
});

test.run();
