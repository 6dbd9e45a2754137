import { test } from "uvu";
import * as assert from "uvu/assert";
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

// The listing's index against the plain way: every secret checked against the filters, then sorted. Secrets are
// made, tagged, untagged, described anew, accessed and deleted at random; after each step the index must give the
// same secrets, in the same order, from any cursor, and its candidates must hold every secret that passes.

const WORDS = ["alpha", "beta", "Gamma", "delta", "alphabet", "prod", "staging"];
const SORTS: SortBy[] = ["created-date", "last-changed-date", "last-accessed-date", "name"];

const at = (t: number) => 1_700_000_000_000 + t * 1000;

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
    const walked = [...index.inOrder(sortBy, direction)].map(([, s]) => s).filter((s) => matchesFilters(s, filters));
    assert.equal(
      walked.map((s) => s.name),
      expected,
      `step ${step}: walk`,
    );
    const cursor = walked[Math.floor(walked.length / 2)];
    if (cursor !== undefined) {
      const rest = [...index.inOrder(sortBy, direction, keyOf(cursor))]
        .map(([, s]) => s.name)
        .filter((n) => expected.includes(n));
      assert.equal(rest, expected.slice(expected.indexOf(cursor.name) + 1), `step ${step}: from a cursor`);
    }
    // Candidates: a superset of what passes (or none, when no filter narrows it).
    const candidates = index.candidates(filters, 1000);
    if (candidates !== undefined)
      for (const n of expected) assert.ok(candidates.has(n), `step ${step}: ${n} missing from the candidates`);
    if (filters.length > 0 && filters.every((f) => !f.values[0]?.startsWith("!")) && expected.length < 1000)
      assert.ok(candidates !== undefined, `step ${step}: indexed filters narrow the listing`);
  }
});

test("a cap on the candidates gives none when more secrets could pass", async () => {
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
  assert.is(index.candidates([{ key: "tag-key", values: ["team"] }], 29), undefined);
  assert.is(index.candidates([{ key: "tag-key", values: ["team"] }], 30)?.size, 30);
  // The narrowest filter wins.
  assert.is(
    index.candidates(
      [
        { key: "tag-key", values: ["team"] },
        { key: "tag-value", values: ["t1"] },
      ],
      100,
    )?.size,
    10,
  );
  assert.is(index.candidates([{ key: "name", values: ["team/1"] }], 100)?.size, 11);
  assert.is(index.candidates([{ key: "all", values: ["team"] }], 100), undefined);
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
  assert.equal([...(index.candidates([{ key: "tag-value", values: ["x"] }], 10) ?? [])], ["shared"]);
  assert.equal([...(index.candidates([{ key: "tag-key", values: ["a"] }], 10) ?? [])], []);
  assert.equal([...(index.candidates([{ key: "description", values: ["db"] }], 10) ?? [])], ["shared"]);
  assert.equal([...(index.candidates([{ key: "description", values: ["prod"] }], 10) ?? [])], []);
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
      [...index.inOrder(sortBy, 1)].map(([, s]) => s.name),
      order(sortBy),
      sortBy,
    );
  assert.equal([...(index.candidates([{ key: "tag-value", values: ["changed"] }], 100) ?? [])].sort(), [
    "many/1",
    "many/11999",
    "many/4000",
    "many/6000",
  ]);
  assert.equal(index.candidates([{ key: "tag-value", values: ["4001"] }], 100)?.size, 0);
});

test.run();
