import { test } from "uvu";
import * as assert from "uvu/assert";
import { SecretCatalog, versionIndex } from "../../projections/secret-catalog.js";
import { event } from "../../src/domain/events.js";
import type { ActiveSecret } from "../../src/domain/state.js";
import { ARN, NOW, created, moved, v, versionAdded, withFirstVersion } from "../support/decider.js";

test("a record delivered twice is applied once; the checkpoint follows the stream sequence", () => {
  const catalog = new SecretCatalog();
  catalog.apply(1, "db", withFirstVersion("1"));
  catalog.apply(2, "db", [versionAdded("2")]);
  catalog.apply(2, "db", [versionAdded("2")]);
  catalog.apply(1, "db", withFirstVersion("1"));
  assert.is(catalog.checkpoint, 2);
  const state = catalog.entry("db").state as ActiveSecret;
  assert.is(state.versions.size, 2);
  assert.is(catalog.entry("db").subjectSeq, 2);
  catalog.passOver(3);
  assert.is(catalog.checkpoint, 3);
});

test("whenCaughtUp resolves once the sequence is applied", async () => {
  const catalog = new SecretCatalog();
  let done = false;
  const waiting = catalog.whenCaughtUp(2).then(() => (done = true));
  catalog.apply(1, "a", [created("a")]);
  await Promise.resolve();
  assert.not.ok(done);
  catalog.apply(2, "b", [created("b")]);
  await waiting;
  assert.ok(done);
});

test("a secret is found by name, full ARN and partial ARN, and not after it is deleted", () => {
  const catalog = new SecretCatalog();
  catalog.apply(1, "db", withFirstVersion("1"));
  assert.is(catalog.resolve({ kind: "name", name: "db" })?.name, "db");
  assert.is(
    catalog.resolve({ kind: "arn", name: "db-AbCdEf", suffixed: { name: "db", suffix: "AbCdEf" } })?.name,
    "db",
  );
  assert.is(catalog.resolve({ kind: "arn", name: "db-zzzzzz", suffixed: { name: "db", suffix: "zzzzzz" } }), undefined);
  assert.is(catalog.resolve({ kind: "arn", name: "db" })?.name, "db");
  assert.is(catalog.resolve({ kind: "foreign" }), undefined);
  assert.is(catalog.secretCount, 1);
  catalog.apply(2, "db", [event("SecretDeleted", { arn: ARN, versionIds: [v("1")], forced: true }, NOW)]);
  assert.is(catalog.resolve({ kind: "name", name: "db" }), undefined);
  assert.is(catalog.secretCount, 0);
  assert.is(catalog.entry("db").subjectSeq, 2, "the subject's sequence is kept for the next CreateSecret");
});

test("due deletions, and the version index newest first with each version's labels", () => {
  const catalog = new SecretCatalog();
  catalog.apply(1, "a", [
    ...withFirstVersion("1"),
    versionAdded("2"),
    moved("AWSCURRENT", "1", "2"),
    moved("AWSPREVIOUS", undefined, "1"),
  ]);
  catalog.apply(2, "b", [...withFirstVersion("1"), event("DeletionScheduled", { deletionDate: NOW + 10 }, NOW)]);
  assert.equal([...catalog.dueDeletions(NOW + 9)], []);
  assert.equal([...catalog.dueDeletions(NOW + 10)], ["b"]);
  const index = versionIndex(catalog.entry("a").state as ActiveSecret).map((version) => [
    version.versionId,
    version.stages,
  ]);
  assert.equal(index, [
    [v("2"), ["AWSCURRENT"]],
    [v("1"), ["AWSPREVIOUS"]],
  ]);
});

test.run();
