import { test } from "uvu";
import * as assert from "uvu/assert";
import * as E from "fp-ts/lib/Either.js";
import { CheckpointNames, placeBytes } from "../../src/store/checkpoint-names.js";

// A checkpoint's names as a table: each name found by its UTF-8 bytes, none made a string until asked for.

/** A names section as checkpoint-file.ts writes one: each entry 10 bytes long, every other secret existing. */
const sectionOf = (names: ReadonlyArray<string>): Buffer =>
  Buffer.concat(
    names.map((name, i) =>
      placeBytes(name, { offset: i * 10, length: 10, exists: i % 2 === 0, hash: Buffer.alloc(8, i) }),
    ),
  );

const tableOf = (names: ReadonlyArray<string>): CheckpointNames => {
  const table = CheckpointNames.of(sectionOf(names), names.length, names.length * 10);
  if (E.isLeft(table)) throw new Error(table.left);
  return table.right;
};

test("every name is found at its place, by its bytes, and nothing else is", () => {
  // Many names alike (the slots collide and are probed past), prefixes of each other, and names beyond ASCII.
  const names = [
    ...Array.from({ length: 5000 }, (_, i) => `team-${i % 7}/secret-${i}`),
    "a",
    "ab",
    "abc",
    "prod/名前/秘密",
    "café",
    "cafe\u0301",
    "x".repeat(512),
  ];
  const table = tableOf(names);
  assert.is(table.size, names.length);
  names.forEach((name, i) => {
    assert.is(table.find(name), i, name);
    assert.is(table.nameAt(i), name);
  });
  for (const missing of ["", "team-1/secret-7", "abcd", "prod/名前", "cafe", "x".repeat(511), "x".repeat(2000)])
    assert.is(table.find(missing), -1, missing);
  assert.is(table.existing, Math.ceil(names.length / 2));
  const { from, length, hash } = table.entryAt(5003);
  assert.equal({ from, length, hash: [...hash] }, { from: 50030, length: 10, hash: Array<number>(8).fill(5003 % 256) });
});

test("a section that is not the trailer's names is told, not read", () => {
  const section = sectionOf(["db", "api", "web"]);
  const told = (bytes: Buffer, secrets: number, entryBytes = 30): string | undefined => {
    const table = CheckpointNames.of(bytes, secrets, entryBytes);
    return E.isLeft(table) ? table.left : undefined;
  };
  assert.is(told(section, 3), undefined);
  assert.is(told(sectionOf(["db", "api", "db"]), 3), "a secret there twice");
  assert.is(told(section, 2), "secrets missing");
  assert.is(told(section, 4), "secrets missing");
  assert.is(told(section.subarray(0, section.length - 1), 3), "a name cut short");
  assert.is(told(section.subarray(0, section.length - 5), 3), "a name cut short");
  assert.is(told(section, 3, 29), "a name cut short", "an entry beyond the entries");
  assert.is(told(Buffer.alloc(0), 0), undefined);
});

test.run();
