import { test } from "uvu";
import * as assert from "uvu/assert";
import { firstInOrder, TURNS, type PageQuery } from "../../projections/index-pages.js";
import { SecretCatalog } from "../../projections/secret-catalog.js";
import { secretCreated } from "../../src/domain/events.js";
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

// A page out of the index, found by the walk and the filter's candidates taking turns, against the plain way: every
// secret checked, sorted, cut after the cursor. And the work it takes where the two ways differ most.

const at = (t: number) => 1_700_000_000_000 + t * 1000;

/** A catalog of `count` secrets `svc/<i>`, created in that order, with the tags `tagsOf(i)` gives. */
const catalogOf = async (count: number, tagsOf: (i: number) => Array<[string, string]>) => {
  const catalog = new SecretCatalog();
  for (let i = 0; i < count; i++) {
    const name = `svc/${String(i).padStart(5, "0")}`;
    catalog.apply(i + 1, name, [
      secretCreated(
        {
          name: name as SecretName,
          arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
          tags: tagsOf(i).map(([Key, Value]) => ({ Key, Value })),
        },
        at(i % 7), // many share a date: ties go by name
      ),
    ]);
  }
  return { catalog, index: await catalog.indexed() };
};

const plainly = (catalog: SecretCatalog, query: PageQuery, limit: number): string[] => {
  const keyOf = (s: ActiveSecret): SortKey => [sortValue(s, query.sortBy), s.name];
  return [...catalog.allSecrets()]
    .filter((s) => matchesFilters(s, query.filters))
    .filter((s) => query.after === undefined || query.direction * compareSortKeys(keyOf(s), query.after) > 0)
    .sort((a, b) => query.direction * compareSortKeys(keyOf(a), keyOf(b)))
    .slice(0, limit + 1)
    .map((s) => s.name);
};

test("a page is the plain listing's, whichever way finds it first, from any cursor", async () => {
  const random = seededRandom(7);
  const values = ["red", "reddish", "green", "blue", "blueish"];
  const { catalog, index } = await catalogOf(2_000, () =>
    Array.from({ length: random.below(3) }, (_, k) => [`k${k}${random.below(2)}`, random.pick(values)]),
  );
  const sorts: SortBy[] = ["created-date", "name", "last-changed-date"];
  for (let round = 0; round < 150; round++) {
    const filters: SecretFilter[] = [];
    if (random.below(3) > 0) filters.push({ key: "tag-value", values: [random.pick(values).slice(0, 3)] });
    if (random.below(3) === 0) filters.push({ key: "tag-key", values: [`k${random.below(3)}`] });
    if (random.below(4) === 0) filters.push({ key: "name", values: [`svc/0${random.below(2)}`] });
    const sortBy = random.pick(sorts);
    const direction = random.below(2) === 0 ? 1 : -1;
    const limit = 1 + random.below(60);
    const start: PageQuery = { filters, sortBy, direction };
    const all = plainly(catalog, start, 10_000);
    const cursor = all[random.below(all.length + 1)];
    const cursorState = cursor === undefined ? undefined : catalog.entry(cursor).state;
    const query: PageQuery =
      cursorState?.status === "active"
        ? { ...start, after: [sortValue(cursorState, sortBy), cursorState.name] }
        : start;
    for (const turns of [{ walk: 1, pick: 1 }, { walk: 3, pick: 1 }, { walk: 1, pick: 5 }, TURNS]) {
      const page = firstInOrder(index, query, limit, (s) => (matchesFilters(s, filters) ? s.name : undefined), turns);
      assert.equal(
        page.map((r) => r.row),
        plainly(catalog, query, limit),
        `round ${round}, turns ${JSON.stringify(turns)}: ${JSON.stringify(query)}`,
      );
      for (const r of page) assert.equal(r.key, [sortValue(catalog.entry(r.row).state as ActiveSecret, sortBy), r.row]);
    }
  }
});

test("where the secrets a filter lets through come last in the order, the filter's index finds them", async () => {
  // 3,000 secrets; the last 150 by name (and by creation) are "late", two tag values each, both under "late": two
  // strings of 150, each kept in every order.
  const { catalog, index } = await catalogOf(3_000, (i) =>
    i >= 2_850
      ? [
          ["stage", "late-a"],
          ["other", "late-b"],
        ]
      : [["stage", "early"]],
  );
  for (const [sortBy, direction] of [
    ["name", 1],
    ["created-date", 1],
    ["last-changed-date", -1],
  ] as const) {
    const query: PageQuery = { filters: [{ key: "tag-value", values: ["late"] }], sortBy, direction };
    let checked = 0;
    const accept = (s: ActiveSecret): string | undefined => {
      checked++;
      return matchesFilters(s, query.filters) ? s.name : undefined;
    };
    const page = firstInOrder(index, query, 20, accept);
    assert.equal(
      page.map((r) => r.row),
      plainly(catalog, query, 20),
    );
    assert.is(new Set(page.map((r) => r.row)).size, 21, "each secret once, though two of its values match");
    // Read in order from the two strings: the page's 21, each once; the walk alone would check 2,871.
    assert.is(checked, 21, sortBy);
  }
  // Where most pass, the page is theirs at once.
  let checked = 0;
  const dense: PageQuery = { filters: [{ key: "tag-key", values: ["stage"] }], sortBy: "name", direction: 1 };
  const page = firstInOrder(index, dense, 10, (s) => (checked++, s.name), { walk: 100, pick: 100 });
  assert.is(page.length, 11);
  assert.is(checked, 11);
});

test("where the filter's secrets are spread over more strings than are put in order at once, the two ways take turns", async () => {
  // 24,000 secrets; the last 17,000 are "late", each with values of its own (late-a-<i>, late-b-<i>): 34,000 strings
  // of one secret, more than a listing puts in a heap for a page (32,768), so the walk and the candidates take turns.
  const { catalog, index } = await catalogOf(24_000, (i) =>
    i >= 7_000
      ? [
          ["stage", `late-a-${i}`],
          ["other", `late-b-${i}`],
        ]
      : [["stage", "early"]],
  );
  const late: PageQuery = { filters: [{ key: "tag-value", values: ["late"] }], sortBy: "name", direction: 1 };
  assert.is(index.candidates(late.filters)?.inOrder("name", 1), undefined);
  for (const [turns, most] of [
    // Turns of 100 and 40,000: the candidates (34,000) are done in one turn, the walk's 100 secrets short of the
    // first late one (7,000 in).
    [{ walk: 100, pick: 40_000 }, 100],
    // A walk that has gone several times as far as its page would take were the candidates spread evenly (8 x 21 x
    // 24,000 / 34,000 = 119 secrets) leaves the page to them, however short their turns.
    [{ walk: 100, pick: 1 }, 200],
  ] as const) {
    let checked = 0;
    const accept = (s: ActiveSecret) => (checked++, matchesFilters(s, late.filters) ? s.name : undefined);
    const page = firstInOrder(index, late, 20, accept, turns);
    assert.equal(
      page.map((r) => r.row),
      plainly(catalog, late, 20),
    );
    // The walk's, and the page's (each secret of it in two strings: checked once each).
    assert.ok(checked <= most + 21 * 2, `${JSON.stringify(turns)}: ${checked} secrets checked`);
  }
});

test.run();
