import { suite } from "uvu";
import * as E from "fp-ts/lib/Either.js";
import * as assert from "uvu/assert";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { SecretCatalog } from "../../projections/secret-catalog.js";
import { EventLog, type LoggedRecord } from "../../src/store/event-log.js";
import { KeyStore } from "../../src/store/key-store.js";
import { keyStreamName, secretSubject, streamName } from "../../src/store/subjects.js";
import { ValueReader } from "../../src/application/values.js";
import type { ValueRef } from "../../src/domain/types.js";
import { commandRecord, created, moved, sealed, v, versionAdded } from "../support/decider.js";
import { refused } from "../support/assertions.js";
import { freshRegion, startOwnNatsServer, tempDir, within } from "../support/nats.js";
import { onFreshLog, type OnFreshLog } from "../support/hooks.js";

const Log = suite<OnFreshLog>("event log on a real nats-server");

onFreshLog(Log);

Log("the stream is file-backed and refuses deletes and purges", async ({ nc, log, region }) => {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(streamName(region));
  assert.is(info.config.storage, "file");
  assert.is(info.config.deny_delete, true);
  assert.is(info.config.deny_purge, true);
  const appended = await log.append("doomed", 0, commandRecord([created("doomed")]));
  assert.is(appended._tag, "Appended");
  const seq = appended._tag === "Appended" ? appended.seq : 0;
  assert.ok(await refused(jsm.streams.deleteMessage(streamName(region), seq)));
  assert.ok(await refused(jsm.streams.purge(streamName(region))));
  assert.is((await jsm.streams.info(streamName(region))).state.messages, 1);
});

Log("EventLog.open on an existing stream keeps it", async ({ nc, log, region }) => {
  const before = await log.lastSeq();
  const again = await EventLog.open(nc, region);
  assert.is(await again.lastSeq(), before);
});

Log("an append expecting a stale subject sequence is a conflict that names the current one", async ({ log }) => {
  const first = await log.append("occ", 0, commandRecord([created("occ")]));
  assert.is(first._tag, "Appended");
  const firstSeq = first._tag === "Appended" ? first.seq : -1;
  const second = await log.append("occ", firstSeq, commandRecord([versionAdded("2")]));
  assert.is(second._tag, "Appended");
  assert.equal(await log.append("occ", firstSeq, commandRecord([versionAdded("3")])), {
    _tag: "Conflict",
    lastSeq: second._tag === "Appended" ? second.seq : -1,
  });
  assert.equal(await log.append("occ", 0, commandRecord([created("occ")])), {
    _tag: "Conflict",
    lastSeq: second._tag === "Appended" ? second.seq : -1,
  });
});

Log("names with dots and wildcards each get one subject token of their own", async ({ log, region }) => {
  for (const name of ["a.b", "a.*", "a.>", "prod/db.password+x@y"]) {
    assert.is(secretSubject(region, name).split(".").length, 4, name);
    assert.is((await log.append(name, 0, commandRecord([created(name)])))._tag, "Appended", name);
  }
});

Log("the follower delivers every record in order to the catalog, which folds them", async ({ log }) => {
  const name = "followed";
  const a = await log.append(name, 0, commandRecord([created(name)]));
  const aSeq = a._tag === "Appended" ? a.seq : -1;
  const b = await log.append(name, aSeq, commandRecord([versionAdded("1"), moved("AWSCURRENT", undefined, "1")]));
  const bSeq = b._tag === "Appended" ? b.seq : -1;
  const catalog = new SecretCatalog();
  const seen: LoggedRecord[] = [];
  const follower = log.follow(
    1,
    (r) => {
      seen.push(r);
      catalog.apply(r.seq, r.secretName, r.record.events);
    },
    () => undefined,
    () => undefined,
  );
  await within(10_000, "catch-up", catalog.whenCaughtUp(bSeq));
  await follower.stop();
  const seqs = seen.map((r) => r.seq);
  assert.equal(
    seqs,
    [...seqs].sort((x, y) => x - y),
  );
  const entry = catalog.entry(name);
  assert.is(entry.subjectSeq, bSeq);
  assert.is(entry.state.status, "active");
  if (entry.state.status === "active") assert.is(entry.state.versions.size, 1);
});

Log("the projection keeps where each value is; the value is read from its record, behind a cache", async ({ log }) => {
  const name = "values";
  const a = await log.append(
    name,
    0,
    commandRecord([created(name), versionAdded("1"), moved("AWSCURRENT", undefined, "1")]),
  );
  const aSeq = a._tag === "Appended" ? a.seq : -1;
  const b = await log.append(name, aSeq, commandRecord([versionAdded("2", "two"), versionAdded("3", "three")]));
  const bSeq = b._tag === "Appended" ? b.seq : -1;
  const catalog = new SecretCatalog();
  await log.scan(
    (r) => catalog.apply(r.seq, r.secretName, r.record.events),
    () => undefined,
  );
  const state = catalog.entry(name).state;
  assert.ok(state.status === "active");
  if (state.status !== "active") return;
  const ref = (id: string): ValueRef => state.versions.get(v(id))?.value as ValueRef;
  // No ciphertext and no wrapped key in the projection: the fingerprint, the kind, the key's place, the record.
  assert.equal(ref("2"), { kind: "string", fingerprint: "two", key: { in: "log", epoch: 1 }, seq: bSeq });
  assert.is(ref("1").seq, aSeq);

  // Reads counted as they reach the log.
  let reads = 0;
  const counted = { valuesAt: (seq: number) => (reads++, log.valuesAt(seq)) };
  const uncached = new ValueReader(counted, 0);
  assert.equal(await uncached.sealed(v("3"), ref("3")), E.right(sealed("three")));
  assert.equal(await uncached.sealed(v("3"), ref("3")), E.right(sealed("three")));
  assert.is(reads, 2, "no cache: each read reads the record");
  const cached = new ValueReader(counted, 1 << 20);
  assert.equal(await cached.sealed(v("2"), ref("2")), E.right(sealed("two")));
  assert.equal(await cached.sealed(v("2"), ref("2")), E.right(sealed("two")));
  assert.is(reads, 3, "the second read of a value comes from the cache");
  // While the log cannot be read, a value not cached is StorageUnavailable; a cached one is still there.
  let up = false;
  const cut = new ValueReader(counted, 1 << 20, () => up);
  assert.equal(await cut.sealed(v("2"), ref("2")), E.left({ _tag: "StorageUnavailable" }));
  up = true;
  await cut.sealed(v("2"), ref("2"));
  up = false;
  assert.equal(await cut.sealed(v("2"), ref("2")), E.right(sealed("two")));
  assert.is(reads, 4);
  // A cache too small for one value keeps none; a writer's own record is cached as it is appended.
  const tiny = new ValueReader(counted, 10);
  await tiny.sealed(v("1"), ref("1"));
  await tiny.sealed(v("1"), ref("1"));
  assert.is(reads, 6);
  cached.appended(aSeq, commandRecord([versionAdded("1")]));
  assert.equal(await cached.sealed(v("1"), ref("1")), E.right(sealed("1")));
  assert.is(reads, 6);
  // A value not yet appended is found among the command's events; one the log's record does not hold is an error.
  const { seq: _inLog, ...pending } = ref("1");
  assert.equal(await uncached.sealed(v("9"), pending, [versionAdded("9")]), E.right(sealed("9")));
  assert.ok(await refused(uncached.sealed(v("9"), ref("1"))), "the record holds no such version");
  assert.ok(await refused(log.valuesAt(bSeq + 1000)), "no record there");
});

Log("a follower stopped at once, before its consumer exists, still stops", async ({ log }) => {
  const follower = log.follow(
    1,
    () => undefined,
    () => undefined,
    () => undefined,
  );
  await within(10_000, "stop", follower.stop());
});

Log(
  "a consumer that fails passes no record over: the record it was about to read is applied when it comes",
  async ({ nc }) => {
    // The stream goes away under the follower: making its consumer fails until the stream is back.
    const region = freshRegion();
    const log = await EventLog.open(nc, region);
    await (await jetstreamManager(nc)).streams.delete(streamName(region));
    const catalog = new SecretCatalog();
    const passedOver: number[] = [];
    // The first failure the follower reports, whichever way it reports it.
    let failed: () => void = () => undefined;
    const aFailure = new Promise<void>((resolve) => (failed = resolve));
    const follower = log.follow(
      1,
      (r) => catalog.apply(r.seq, r.secretName, r.record.events),
      (seq) => {
        passedOver.push(seq);
        catalog.passOver(seq);
        failed();
      },
      () => failed(),
    );
    try {
      await within(10_000, "the consumer failed", aFailure);
      await EventLog.open(nc, region);
      const appended = await log.append("after", 0, commandRecord([created("after")]));
      assert.equal(appended._tag === "Appended" ? appended.seq : 0, 1);
      await within(10_000, "the record applied", catalog.whenCaughtUp(1));
    } finally {
      await follower.stop();
    }
    assert.equal(passedOver, []);
    assert.is(catalog.entry("after").state.status, "active");
  },
);

Log("a key stream made by an earlier version is brought to the settings re-wrapping needs", async ({ nc }) => {
  const region = freshRegion();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: keyStreamName(region),
    subjects: [`secret-ledger.${region}.key.>`],
    max_msgs_per_subject: 1,
    allow_direct: true,
  });
  await KeyStore.open(nc, region);
  assert.is((await jsm.streams.info(keyStreamName(region))).config.max_msgs_per_subject, -1);
});

Log("wrapped keys are kept and read back by ARN and version", async ({ nc, region }) => {
  const keys = await KeyStore.open(nc, region);
  const first = { keyId: "k1", generation: 1, wrapped: "wrapped-key" };
  const second = { keyId: "k2", generation: 3, wrapped: "rewrapped-key" };
  await keys.put("arn:x", "v".repeat(32), first);
  assert.equal(await keys.get("arn:x", "v".repeat(32)), first);
  assert.is(await keys.get("arn:x", "w".repeat(32)), undefined);
  // A re-wrap replaces the key and erases the old message; destroy erases whatever is left.
  await keys.rewrap("arn:x", "v".repeat(32), second);
  const fresh = await KeyStore.open(nc, region);
  assert.equal(await fresh.get("arn:x", "v".repeat(32)), second);
  const jsm = await jetstreamManager(nc);
  assert.is((await jsm.streams.info(keyStreamName(region))).state.messages, 1);
  await fresh.destroy("arn:x", "v".repeat(32));
  assert.is(await KeyStore.open(nc, region).then((k) => k.get("arn:x", "v".repeat(32))), undefined);
  assert.is((await jsm.streams.info(keyStreamName(region))).state.messages, 0);
  assert.is(await keys.claim("k1/1", "fp-1"), "recorded");
  assert.is(await keys.claim("k1/1", "fp-1"), "matches");
  assert.is(await keys.claim("k1/1", "fp-2"), "differs");
  assert.is(await keys.claim("k1/2", "fp-2"), "recorded");
});

Log.run();

const Restart = suite("a follower across a nats-server restart");

Restart("keeps applying records written after the server comes back, with no gap", async () => {
  const dir = tempDir("restart");
  let server = await startOwnNatsServer(dir);
  const port = server.port;
  const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const region = freshRegion();
  const log = await EventLog.open(nc, region);
  const catalog = new SecretCatalog();
  // Wired as the service wires its projection: a record reported unreadable is passed over.
  const passedOver: number[] = [];
  const restarts: string[] = [];
  const follower = log.follow(
    1,
    (r) => catalog.apply(r.seq, r.secretName, r.record.events),
    (seq) => {
      passedOver.push(seq);
      catalog.passOver(seq);
    },
    (_next, why) => restarts.push(why),
  );
  let last = 0;
  for (let i = 0; i < 20; i++) {
    const r = await log.append(`s${i}`, 0, commandRecord([created(`s${i}`)]));
    last = r._tag === "Appended" ? r.seq : last;
  }
  await within(10_000, "catch-up before restart", catalog.whenCaughtUp(last));

  await server.stop();
  server = await startOwnNatsServer(dir, port);
  for (let i = 20; i < 40; i++) {
    const r = await within(20_000, "append after restart", log.append(`s${i}`, 0, commandRecord([created(`s${i}`)])));
    last = r._tag === "Appended" ? r.seq : last;
  }
  assert.is(last, 40);
  await within(30_000, "catch-up after restart", catalog.whenCaughtUp(last));
  for (let i = 0; i < 40; i++) assert.is(catalog.entry(`s${i}`).state.status, "active", `s${i}`);
  // Every record was readable: a consumer that failed while the server was away passed nothing over.
  assert.equal(passedOver, [], `passed over while restarting (${restarts.join("; ")})`);
  await follower.stop();
  await nc.drain();
  await server.stop();
});

Restart.run();
