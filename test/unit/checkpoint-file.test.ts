import { test } from "uvu";
import * as assert from "uvu/assert";
import * as E from "fp-ts/lib/Either.js";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SecretCatalog } from "../../projections/secret-catalog.js";
import { readCheckpoint, writeCheckpoint } from "../../src/store/checkpoint-file.js";
import { tempDir } from "../support/nats.js";
import { created, versionAdded, withFirstVersion } from "../support/decider.js";

// The checkpoint on disk: a start reads its names alone; an entry is read, checked and decoded when first needed.

const log = { stream: "SECRET_LEDGER_TEST", created: "2026-12-07T00:00:00Z", lastSeq: 10 };

const written = async (): Promise<{ readonly file: string; readonly bytes: Buffer }> => {
  const catalog = new SecretCatalog();
  catalog.apply(1, "db", withFirstVersion("1"));
  catalog.apply(2, "gone", [created("gone")]);
  catalog.apply(3, "api", [created("api")]);
  const file = join(tempDir("checkpoint"), "catalog.checkpoint");
  await writeCheckpoint(file, log, catalog);
  return { file, bytes: readFileSync(file) };
};

test("a catalog restored reads each entry when first asked, as it was written, and lets the file go at the end", async () => {
  const { file } = await written();
  const restored = readCheckpoint(file, log);
  assert.ok(E.isRight(restored));
  if (E.isLeft(restored)) return;
  const catalog = restored.right;
  assert.is(catalog.checkpoint, 3);
  assert.is(catalog.secretCount, 3, "counted from the names alone");
  assert.ok(catalog.reading);
  const db = catalog.entry("db").state;
  assert.ok(db.status === "active" && db.versions.size === 1 && db.labels.get("AWSCURRENT" as never) !== undefined);
  assert.ok(catalog.reading, "two entries not read yet");
  assert.equal(
    [...catalog.entries()].map(([name]) => name),
    ["db", "gone", "api"],
  );
  assert.not.ok(catalog.reading);

  // Written again from a catalog partly read: the entries not read are copied as they are.
  const again = readCheckpoint(file, log) as E.Right<SecretCatalog>;
  again.right.entry("api");
  await writeCheckpoint(file, log, again.right);
  const reread = readCheckpoint(file, log) as E.Right<SecretCatalog>;
  assert.equal([...reread.right.entries()], [...catalog.entries()]);
});

test("a catalog restored takes records for the checkpoint's secrets in their place, and for new ones after them", async () => {
  const { file } = await written();
  const catalog = (readCheckpoint(file, log) as E.Right<SecretCatalog>).right;
  catalog.apply(4, "gone", withFirstVersion("1").slice(1));
  catalog.apply(5, "new", [created("new"), ...withFirstVersion("1").slice(1)]);
  catalog.apply(6, "db", [versionAdded("2")]);
  assert.equal(
    [...catalog.entries()].map(([name, { state, subjectSeq }]) => [name, state.status, subjectSeq]),
    [
      ["db", "active", 6],
      ["gone", "active", 4],
      ["api", "active", 3],
      ["new", "active", 5],
    ],
    "one entry a secret, the checkpoint's where they were",
  );
  const db = catalog.entry("db").state;
  assert.ok(db.status === "active" && db.versions.size === 2);
  assert.is(catalog.secretCount, 4);
  assert.is((await catalog.indexed()).size, 4);
  assert.is(catalog.resolve({ kind: "name", name: "new" })?.entry.subjectSeq, 5);
  assert.is(catalog.resolve({ kind: "name", name: "nothing" }), undefined);

  // Its next checkpoint holds them all, once each.
  await writeCheckpoint(file, { ...log, lastSeq: 6 }, catalog);
  const again = (readCheckpoint(file, { ...log, lastSeq: 6 }) as E.Right<SecretCatalog>).right;
  assert.equal([...again.entries()], [...catalog.entries()]);
});

test("the secrets the compactor looks at are told from the entries not read yet by their layout, not decoded", async () => {
  const catalog = new SecretCatalog();
  catalog.apply(1, "db", [...withFirstVersion("1"), versionAdded("2"), versionAdded("3")]);
  catalog.apply(2, "one", withFirstVersion("1"));
  catalog.apply(3, "api", [created("api")]);
  const file = join(tempDir("checkpoint"), "catalog.checkpoint");
  await writeCheckpoint(file, log, catalog);
  const restored = (readCheckpoint(file, log) as E.Right<SecretCatalog>).right;
  assert.equal([...restored.crowded(1)], ["db"]);
  assert.equal([...restored.crowded(0)], ["db", "one"]);
  assert.equal([...restored.crowded(3)], []);
  assert.ok(restored.reading, "no entry decoded");
  // One read since: counted from its state.
  assert.ok(restored.entry("db").state.status === "active");
  assert.equal([...restored.crowded(2)], ["db"]);
});

test("damaged names mean a replay; a damaged entry fails what reads it, and the file is set aside", async () => {
  const { file, bytes } = await written();
  const names = bytes.lastIndexOf("gone");
  writeFileSync(file, Buffer.concat([bytes.subarray(0, names), Buffer.from("GONE"), bytes.subarray(names + 4)]));
  assert.equal(readCheckpoint(file, log), E.left("the checkpoint is damaged: checksum"));
  writeFileSync(file, bytes.subarray(0, bytes.length - 2));
  assert.equal(readCheckpoint(file, log), E.left("the checkpoint is damaged: no trailer"));

  const entry = bytes.indexOf("api");
  writeFileSync(file, Buffer.concat([bytes.subarray(0, entry), Buffer.from("apx"), bytes.subarray(entry + 3)]));
  const restored = readCheckpoint(file, log) as E.Right<SecretCatalog>;
  assert.ok(E.isRight(restored), "the names are intact");
  assert.is(restored.right.entry("db").state.status, "active");
  assert.throws(() => restored.right.entry("api"), /the checkpoint's entry 2 is damaged: checksum/);
  assert.not.ok(existsSync(file));
  assert.ok(existsSync(`${file}.damaged`));
  assert.equal(readCheckpoint(file, log), E.left("no checkpoint"));
});

test.run();
