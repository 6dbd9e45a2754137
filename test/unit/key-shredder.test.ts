import { test } from "uvu";
import * as assert from "uvu/assert";
import { KeyShredder, type KeyDestroyer } from "../../src/application/key-shredder.js";
import type { VersionId } from "../../src/domain/types.js";

// The shredder's own bookkeeping, over an in-memory key set (the real key store is exercised end to end).
const keySet = (failFirst: number) => {
  const keys = new Set(["a/1", "a/2", "a/3", "b/1"]);
  let failures = failFirst;
  const destroyer: KeyDestroyer = {
    destroy: (arn, versionId) => {
      if (failures > 0) {
        failures--;
        return Promise.reject(new Error("store unavailable"));
      }
      keys.delete(`${arn}/${versionId}`);
      return Promise.resolve();
    },
    retireSecretKeys: (arn, below) => {
      for (const k of [...keys]) if (k.startsWith(`${arn}/epoch `) && Number(k.split(" ")[1]) < below) keys.delete(k);
      return Promise.resolve();
    },
    retireCopies: (arn, below) => {
      for (const k of [...keys]) if (k.startsWith(`${arn}/copy `) && Number(k.split(" ")[1]) < below) keys.delete(k);
      return Promise.resolve();
    },
  };
  return { keys, destroyer };
};
const ids = (...v: string[]) => v as VersionId[];

test("destroys every key named, in log order", async () => {
  const { keys, destroyer } = keySet(0);
  const shredder = new KeyShredder(destroyer, () => undefined);
  shredder.shred({ arn: "a", versionIds: ids("1", "2", "3") });
  shredder.shred({ arn: "b", versionIds: ids("1") });
  await shredder.whenIdle();
  assert.equal([...keys], []);
});

test("a secret's keys older than the one that replaced them are erased; a deletion erases them all", async () => {
  const { keys, destroyer } = keySet(0);
  for (const k of ["a/epoch 1", "a/epoch 2", "a/epoch 3", "b/epoch 1"]) keys.add(k);
  const shredder = new KeyShredder(destroyer, () => undefined);
  shredder.shred({ arn: "a", secretKeysBelow: 3 });
  await shredder.whenIdle();
  assert.ok(keys.has("a/epoch 3") && !keys.has("a/epoch 2") && !keys.has("a/epoch 1") && keys.has("b/epoch 1"));
  shredder.shred({ arn: "b", versionIds: ids("1"), secretKeysBelow: Number.POSITIVE_INFINITY });
  await shredder.whenIdle();
  assert.ok(!keys.has("b/epoch 1") && !keys.has("b/1"));
});

test("a failed destruction is reported, kept, and done by the retry", async () => {
  const { keys, destroyer } = keySet(1);
  const reported: string[] = [];
  const shredder = new KeyShredder(destroyer, (arn) => reported.push(arn));
  shredder.shred({ arn: "a", versionIds: ids("1", "2", "3") });
  await shredder.whenIdle();
  assert.equal(reported, ["a"]);
  assert.is(shredder.failures, 1);
  assert.ok(keys.size > 1, "not everything was destroyed");
  await shredder.retryFailed();
  assert.is(shredder.failures, 0);
  assert.equal([...keys], ["b/1"]);
});

test.run();
