// The listings bench:scale times over its seeded secrets (`bench/team-<s % 100>/secret-<s>`, tagged team =
// team-<s % 100>, described "seeded secret number <s>"): what each is called, and the ListSecrets input of its i-th
// page (a page of 100 is added).

/** A tag value by prefix: "team-11" is 1 secret in 100; "team-7" is 11 in 100 (team-7, team-70 … team-79). */
const tagValue = (value: string) => ({ Filters: [{ Key: "tag-value", Values: [value] }] });

/** The orders by a date: the seed's secrets share their dates, so each is the name order too. */
const DATES = ["created-date", "last-changed-date", "last-accessed-date"] as const;

export const LISTINGS: ReadonlyArray<readonly [string, (i: number) => object]> = [
  ["ListSecrets, no filter", () => ({})],
  ["ListSecrets, no filter, sorted by name", () => ({ SortBy: "name", SortOrder: "asc" })],
  ["ListSecrets, name prefix", () => ({ Filters: [{ Key: "name", Values: ["bench/team-42/secret-4242"] }] })],
  ["ListSecrets, tag key", () => ({ Filters: [{ Key: "tag-key", Values: ["team"] }] })],
  ["ListSecrets, tag value", () => tagValue("team-11")],
  ["ListSecrets, tag value, 1 in 100, each", (i) => tagValue(`team-${10 + ((i * 37) % 90)}`)],
  // Most of the secrets of team-1 … team-9 come late in the name order.
  [
    "ListSecrets, tag value, 11 in 100, by name, either way",
    (i) => ({ ...tagValue(`team-${1 + (i % 9)}`), SortBy: "name", SortOrder: i % 2 === 0 ? "asc" : "desc" }),
  ],
  [
    "ListSecrets, tag value, 11 in 100, by each date, either way",
    (i) => ({ ...tagValue(`team-${1 + (i % 9)}`), SortBy: DATES[i % 3], SortOrder: i % 2 === 0 ? "asc" : "desc" }),
  ],
  ["ListSecrets, description", () => ({ Filters: [{ Key: "description", Values: ["number 77"] }] })],
];
