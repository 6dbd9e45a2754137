import { suite } from "uvu";
import * as assert from "uvu/assert";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { bucketOf, KeyCopies, type CopiedKey } from "../../src/store/key-copies.js";
import { KeyStore } from "../../src/store/key-store.js";
import { keyCopiesSubject, keyStreamName } from "../../src/store/subjects.js";
import { freshRegion, sharedNatsUrl } from "../support/nats.js";

// The copies of other regions' secrets' keys a replica region keeps (key-copies.ts), many a message.

type Ctx = { nc: NatsConnection; region: string; copies: KeyCopies };
const Copies = suite<Ctx>("copies of secrets' keys");

Copies.before.each(async (ctx) => {
  ctx.nc = await connect({ servers: sharedNatsUrl() });
  ctx.region = freshRegion();
  await KeyStore.open(ctx.nc, ctx.region);
  ctx.copies = await KeyCopies.open(ctx.nc, ctx.region);
});
Copies.after.each(async (ctx) => {
  await ctx.nc.drain();
});

const arnOf = (i: number): string => `arn:aws:secretsmanager:us-east-1:123456789012:secret:copied/${i}-AbCdEf`;
const copyOf = (arn: string, epoch: number, generation = 1): CopiedKey => ({
  arn,
  epoch,
  key: { keyId: "k", generation, wrapped: `wrapped ${arn} ${epoch} ${generation}`, rewrapped: {} },
});

/** Every message of the copies' subjects the key stream holds now: its subject and text. */
const messages = async (nc: NatsConnection, region: string): Promise<Array<{ subject: string; text: string }>> => {
  const jsm = await jetstreamManager(nc);
  const stream = keyStreamName(region);
  const info = await jsm.streams.info(stream);
  const found: Array<{ subject: string; text: string }> = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (m !== null && m.subject.includes(".c.")) found.push({ subject: m.subject, text: m.string() });
  }
  return found;
};

Copies("copies asked for together go in a message a bucket, and each is read back, the newest first", async (ctx) => {
  const { copies } = ctx;
  const arns = Array.from({ length: 3000 }, (_, i) => arnOf(i));
  // 3,000 secrets' copies, each asked for on its own, all before the first write.
  await Promise.all(arns.map((arn) => copies.copy([copyOf(arn, 1)])));
  const written = await messages(ctx.nc, ctx.region);
  const buckets = new Set(arns.map(bucketOf));
  assert.is(written.length, buckets.size);
  assert.is(new Set(written.map((m) => m.subject)).size, buckets.size);
  for (const i of [0, 1234, 2999]) {
    assert.equal(await copies.get(arnOf(i), 1), copyOf(arnOf(i), 1).key);
    assert.is(await copies.get(arnOf(i), 2), undefined);
  }
  // Copied again (wrapped anew): the newest is read; another instance (another server of the region) reads it too.
  await copies.copy([copyOf(arnOf(7), 1, 2)]);
  assert.equal(await copies.get(arnOf(7), 1), copyOf(arnOf(7), 1, 2).key);
  const other = await KeyCopies.open(ctx.nc, ctx.region);
  assert.equal(await other.get(arnOf(7), 1), copyOf(arnOf(7), 1, 2).key);
  const all: CopiedKey[] = [];
  await other.readAll((c) => all.push(c));
  assert.is(all.length, 3001);
});

Copies(
  "a retirement erases every copy of the secret's older keys, whoever wrote it, and keeps the rest of the bucket",
  async (ctx) => {
    const { copies } = ctx;
    const arns = Array.from({ length: 3000 }, (_, i) => arnOf(i));
    const target = arnOf(42);
    const neighbours = arns.filter((arn) => arn !== target && bucketOf(arn) === bucketOf(target));
    assert.ok(neighbours.length > 0);
    await copies.copy(arns.map((arn) => copyOf(arn, 1)));
    await copies.copy([copyOf(target, 2)]);
    // Another server of the region copied the same key (or a crash left an old message beside its rewrite).
    const other = await KeyCopies.open(ctx.nc, ctx.region);
    await other.copy([copyOf(target, 1, 2)]);
    const secrets = (await messages(ctx.nc, ctx.region)).filter((m) => m.text.includes(target));
    assert.is(secrets.length, 3);
    await copies.retire(target, 2);
    for (const reader of [copies, other, await KeyCopies.open(ctx.nc, ctx.region)]) {
      assert.is(await reader.get(target, 1), undefined);
      assert.equal(await reader.get(target, 2), copyOf(target, 2).key);
      for (const arn of neighbours) assert.equal(await reader.get(arn, 1), copyOf(arn, 1).key);
    }
    // No message holds an erased copy any more (erased: overwritten, not only deleted), and the bucket is one.
    const left = await messages(ctx.nc, ctx.region);
    assert.not.ok(left.some((m) => m.text.includes(`wrapped ${target} 1 `)));
    assert.is(left.filter((m) => m.subject === keyCopiesSubject(ctx.region, bucketOf(target))).length, 1);
    // Every epoch: none left.
    await other.retire(target, Number.POSITIVE_INFINITY);
    for (const reader of [other, await KeyCopies.open(ctx.nc, ctx.region)]) {
      assert.is(await reader.get(target, 2), undefined);
      for (const arn of neighbours) assert.equal(await reader.get(arn, 1), copyOf(arn, 1).key);
    }
    assert.not.ok((await messages(ctx.nc, ctx.region)).some((m) => m.text.includes(target)));
  },
);

Copies("a bucket copied into one copy at a time is written anew as one message once it holds many", async (ctx) => {
  const { copies } = ctx;
  const arn = arnOf(1);
  for (let epoch = 1; epoch <= 20; epoch++) await copies.copy([copyOf(arn, epoch)]);
  const bucket = (await messages(ctx.nc, ctx.region)).filter(
    (m) => m.subject === keyCopiesSubject(ctx.region, bucketOf(arn)),
  );
  assert.ok(bucket.length <= 8, `${bucket.length} messages`);
  for (let epoch = 1; epoch <= 20; epoch++) assert.equal(await copies.get(arn, epoch), copyOf(arn, epoch).key);
  // Copies holding many older versions' data keys: more than one message holds, each under nats-server's limit.
  const rewrapped = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`version-${i}`, "w".repeat(1000)]));
  const big = [21, 22, 23, 24].map((epoch) => ({
    ...copyOf(arn, epoch),
    key: { ...copyOf(arn, epoch).key, rewrapped },
  }));
  await copies.copy(big);
  for (const copy of big) assert.equal(await copies.get(arn, copy.epoch), copy.key);
  await copies.retire(arn, 22);
  assert.is(await copies.get(arn, 21), undefined);
  assert.equal(await copies.get(arn, 24), big[3]?.key);
});

Copies.run();
