import { test } from "uvu";
import * as assert from "uvu/assert";
import { attributeWords, matchesFilters, type FilterKey } from "../../src/domain/search.js";
import { fold } from "../../src/domain/state.js";
import type { ActiveSecret } from "../../src/domain/state.js";
import { event } from "../../src/domain/events.js";
import { secretCreated } from "../../src/domain/events.js";
import type { SecretName } from "../../src/domain/types.js";
import { seededRandom } from "../support/random.js";

const secret = (name: string, description?: string, tags: Array<[string, string]> = []): ActiveSecret =>
  fold([
    secretCreated(
      { name: name as SecretName, arn: `arn:${name}`, ...(description === undefined ? {} : { description }) },
      0,
    ),
    ...(tags.length === 0 ? [] : [event("SecretTagged", { tags: tags.map(([Key, Value]) => ({ Key, Value })) }, 0)]),
  ]) as ActiveSecret;

const matches = (s: ActiveSecret, key: FilterKey, ...values: string[]): boolean => matchesFilters(s, [{ key, values }]);

test("name: case-sensitive prefix of the whole name; ! negates", () => {
  const s = secret("/testing2/db");
  for (const [value, expected] of [
    ["/", true],
    ["/testing2", true],
    ["/Testing2", false],
    ["testing2", false],
    ["!/", false],
    ["!x", true],
  ] as const)
    assert.is(matches(s, "name", value), expected, value);
});

test("description: every word of the value prefixes a word of the description, case-insensitively", () => {
  const cases: Array<[string, string, boolean]> = [
    ["a", "a secret", true],
    ["a", "an secret", true],
    ["a", "asecret", true],
    ["a", "thesecret", false],
    ["a secret", "a secret", true],
    ["a secret", "an secret", true],
    ["a secret", "asecret", false],
    ["one two", "one and two", true],
    ["o t", "one and two", true],
    ["A SEC", "a secret", true],
    ["!a", "thesecret", true],
    ["!a", "a secret", false],
  ];
  for (const [value, description, expected] of cases)
    assert.is(matches(secret("x", description), "description", value), expected, `${value} ~ ${description}`);
  assert.not.ok(matches(secret("x"), "description", "a"));
});

test("description: matched as the description split into words would match, whatever the spaces and cases", () => {
  // The words split and lower-cased one by one, as the rule says, against the check a listing makes.
  const plainly = (value: string, description: string): boolean => {
    const words = (s: string) => s.split(/\s+/).filter((w) => w !== "");
    const have = words(description).map((w) => w.toLowerCase());
    const wanted = words(value).map((w) => w.toLowerCase());
    return wanted.length > 0 && wanted.every((w) => have.some((h) => h.startsWith(w)));
  };
  const random = seededRandom(3);
  const pieces = ["ab", "AB", "b", "aB", "ba", "Σ", "σς", "İ", "i", "db", "prod", " ", "  ", "\t", "\u00a0", "\n", "-"];
  const text = (n: number) => Array.from({ length: n }, () => random.pick(pieces)).join("");
  for (let round = 0; round < 3_000; round++) {
    const value = text(1 + random.below(3));
    const description = text(random.below(9));
    assert.is(
      matches(secret("x", description), "description", value),
      plainly(value, description),
      JSON.stringify([value, description]),
    );
  }
});

test("tag-key and tag-value: case-sensitive prefixes of any tag", () => {
  const s = secret("x", undefined, [
    ["Team", "payments"],
    ["env", "prod"],
  ]);
  assert.ok(matches(s, "tag-key", "Te"));
  assert.not.ok(matches(s, "tag-key", "te"));
  assert.ok(matches(s, "tag-value", "pay"));
  assert.not.ok(matches(s, "tag-value", "Pay"));
  assert.ok(matches(s, "tag-key", "nope", "env"), "values of one filter OR together");
  assert.not.ok(matches(secret("untagged"), "tag-key", "T"));
});

test("all: word prefixes over name, description and tags, split the way AWS splits them", () => {
  assert.equal(attributeWords("SecretOneABC1"), ["Secret", "One", "ABC", "1"]);
  assert.equal(attributeWords("COMPANYthings"), ["COMPAN", "Ythings"]);
  assert.equal(attributeWords("prod/db_main-key"), ["prod", "db", "main", "key"]);
  const s = secret("SecretOneABC1", "the main database", [["owner", "teamBlue"]]);
  for (const [value, expected] of [
    ["sec", true],
    ["ret", false],
    ["one", true],
    ["abc", true],
    ["datab", true],
    ["blue", true],
    ["/", false],
    ["main sec", false],
  ] as const)
    assert.is(matches(s, "all", value), expected, value);
});

test("primary-region and owning-service match nothing here: no secret is replicated or service-owned", () => {
  assert.not.ok(matches(secret("x"), "primary-region", "us"));
  assert.ok(matches(secret("x"), "owning-service", "!rds"));
});

test("several filters AND together", () => {
  const s = secret("prod/db", "main database", [["env", "prod"]]);
  assert.ok(
    matchesFilters(s, [
      { key: "name", values: ["prod"] },
      { key: "tag-value", values: ["prod"] },
    ]),
  );
  assert.not.ok(
    matchesFilters(s, [
      { key: "name", values: ["prod"] },
      { key: "tag-value", values: ["dev"] },
    ]),
  );
  assert.ok(matchesFilters(s, []));
});

test.run();
