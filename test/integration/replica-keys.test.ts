import { suite } from "uvu";
import * as assert from "uvu/assert";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import * as E from "fp-ts/lib/Either.js";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { ValueReader } from "../../src/application/values.js";
import { wrapSecretKey } from "../../src/crypto/envelope.js";
import { Keyring, loadOrCreateKeyring, type WrappingKey } from "../../src/crypto/keyring.js";
import { secretCreated, versionCreated, type SecretEvent } from "../../src/domain/events.js";
import { fold, type ActiveSecret } from "../../src/domain/state.js";
import type { SealedValue, SecretName } from "../../src/domain/types.js";
import { ReplicaKeys, type ReadPrimaryKeys } from "../../src/replication/replica-keys.js";
import { KeyCopies } from "../../src/store/key-copies.js";
import { KeyStore, type StoredSecretKey } from "../../src/store/key-store.js";
import { v } from "../support/decider.js";
import { freshRegion, sharedNatsUrl, tempDir } from "../support/nats.js";

// A replica region's first pass over many replicas (ReplicaKeys.copyAtOnce): the primary's keys read at once are
// copied as they come, and only the replicas whose keys the read covers are copied; the others are left to be
// synced one at a time. The read is given here (the real one, over a leafnode, is in e2e/replication.test.ts).

type Ctx = { nc: NatsConnection; copies: KeyCopies; keys: ReplicaKeys; wrapping: WrappingKey };
const Bulk = suite<Ctx>("a first pass's copies at once");

Bulk.before.each(async (ctx) => {
  ctx.nc = await connect({ servers: sharedNatsUrl() });
  const region = freshRegion();
  const store = await KeyStore.open(ctx.nc, region);
  ctx.copies = await KeyCopies.open(ctx.nc, region);
  const keyring = new Keyring(loadOrCreateKeyring(join(tempDir("replica-keys-"), "keyring.json")), {
    partition: "aws",
    region,
    account: "123456789012",
  });
  const wrapping = keyring.forWrapping(undefined);
  if (E.isLeft(wrapping)) throw new Error("no default key");
  ctx.wrapping = wrapping.right;
  const unused = (): never => {
    throw new Error("a copy at once reads nothing one by one");
  };
  ctx.keys = new ReplicaKeys({
    copies: ctx.copies,
    keys: store,
    primary: { get: unused, getSecretKey: unused },
    values: new ValueReader({ valuesAt: unused }, 0),
    keyring: () => keyring,
  });
});
Bulk.after.each(async (ctx) => {
  await ctx.nc.drain();
});

const arnOf = (name: string): string => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;

/** A primary's secret `name` whose versions' values are under its keys of `epochs` (or one kept by version). */
const secret = (name: string, epochs: ReadonlyArray<number | "by version">): ActiveSecret => {
  const events: SecretEvent[] = [secretCreated({ name: name as SecretName, arn: arnOf(name) }, 1)];
  epochs.forEach((epoch, i) => {
    const value: SealedValue = {
      kind: "string",
      ciphertext: `ct ${name} ${i}`,
      fingerprint: `fp ${name} ${i}`,
      key: epoch === "by version" ? { in: "key-store" } : { in: "log", epoch, wrapped: `dk ${name} ${i}` },
    };
    events.push(versionCreated(v(`${name}-${i}`), value, 1));
  });
  const state = fold(events);
  if (state.status !== "active") throw new Error("not made");
  return state;
};

/** The primary's key of `epoch` for `arn`, wrapped under `wrapping` (or a master key this region does not hold). */
const primaryKey = (ctx: Ctx, arn: string, epoch: number, keyId = ctx.wrapping.keyId): StoredSecretKey => ({
  keyId,
  generation: ctx.wrapping.generation,
  wrapped: wrapSecretKey(ctx.wrapping.material, randomBytes(32), arn, epoch),
  rewrapped: {},
});

Bulk("only the replicas the read covers are copied, each key as the read last gave it", async (ctx) => {
  const both = secret("both", [1, 2]);
  const erased = secret("erased", [1, 2]);
  const uncovered = secret("uncovered", [1, 2]);
  const unopenable = secret("unopenable", [1]);
  const rewrapped = secret("rewrapped", [1]);
  const byVersion = secret("by-version", [1, "by version"]);
  const replicas = [both, erased, uncovered, unopenable, rewrapped, byVersion].map((state) => ({
    state,
    wrapping: ctx.wrapping,
  }));
  const older = primaryKey(ctx, rewrapped.arn, 1);
  const newer = primaryKey(ctx, rewrapped.arn, 1);
  const given: Array<[string, number, StoredSecretKey]> = [
    [both.arn, 1, primaryKey(ctx, both.arn, 1)],
    [rewrapped.arn, 1, older],
    // Its key of epoch 1 was erased at the primary (a later key holds its versions' data keys): 2 covers it.
    [erased.arn, 2, primaryKey(ctx, erased.arn, 2)],
    // Its key of epoch 2 came after the read: the read does not cover it.
    [uncovered.arn, 1, primaryKey(ctx, uncovered.arn, 1)],
    [unopenable.arn, 1, primaryKey(ctx, unopenable.arn, 1, "a master key of the primary's only")],
    [both.arn, 2, primaryKey(ctx, both.arn, 2)],
    [rewrapped.arn, 1, newer],
    [arnOf("not-replicated-here"), 1, primaryKey(ctx, arnOf("not-replicated-here"), 1)],
  ];
  let wanted: ReadonlySet<string> = new Set();
  const read: ReadPrimaryKeys = (asked, onKey) => {
    wanted = asked;
    for (const [arn, epoch, key] of given) onKey(arn, epoch, key);
    return Promise.resolve(true);
  };
  const copied = await ctx.keys.copyAtOnce(replicas, read);
  // A replica with a data key kept by version is copied on its own (its keys are not asked for here).
  assert.equal([...wanted].sort(), [both, erased, uncovered, unopenable, rewrapped].map((s) => s.arn).sort());
  assert.equal(copied?.map((s) => s.name).sort(), ["both", "erased", "rewrapped"]);
  assert.equal(await ctx.copies.get(both.arn, 1), given[0]?.[2]);
  assert.equal(await ctx.copies.get(both.arn, 2), given[5]?.[2]);
  assert.equal(await ctx.copies.get(erased.arn, 2), given[2]?.[2]);
  assert.is(await ctx.copies.get(erased.arn, 1), undefined);
  assert.equal(await ctx.copies.get(rewrapped.arn, 1), newer);
  // Not written for those left to be synced on their own.
  assert.is(await ctx.copies.get(uncovered.arn, 1), undefined);
  assert.is(await ctx.copies.get(unopenable.arn, 1), undefined);
  // What is copied now is known: a start would serve those at once.
  assert.ok(ctx.keys.hasAll(both, ctx.wrapping));
  assert.ok(ctx.keys.hasAll(erased, ctx.wrapping));
  assert.not.ok(ctx.keys.hasAll(uncovered, ctx.wrapping));
  assert.not.ok(ctx.keys.hasAll(unopenable, ctx.wrapping));
});

Bulk("a read that says a read each is sooner copies nothing", async (ctx) => {
  const state = secret("one", [1]);
  const copied = await ctx.keys.copyAtOnce([{ state, wrapping: ctx.wrapping }], (_wanted, onKey) => {
    onKey(state.arn, 1, primaryKey(ctx, state.arn, 1));
    return Promise.resolve(false);
  });
  assert.is(copied, undefined);
  assert.is(await ctx.copies.get(state.arn, 1), undefined);
  assert.not.ok(ctx.keys.hasAll(state, ctx.wrapping));
});

Bulk.run();
