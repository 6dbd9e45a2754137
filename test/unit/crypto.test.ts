import { test } from "uvu";
import { createHmac, hkdfSync } from "node:crypto";
import * as assert from "uvu/assert";
import {
  DecryptionError,
  newDataKey,
  openValue,
  sealValue,
  unwrapDataKey,
  wrapDataKey,
} from "../../src/crypto/envelope.js";

const ctx = { arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf", versionId: "v".repeat(32) };
const master = newDataKey();
const KEY_IN_LOG = { in: "log", epoch: 1, wrapped: "" } as const;

test("a sealed value opens with its data key and context", () => {
  const key = newDataKey();
  const sealed = sealValue(key, "string", Buffer.from("hunter2"), ctx, KEY_IN_LOG);
  assert.is(openValue(key, sealed, ctx).toString(), "hunter2");
  assert.not.match(Buffer.from(sealed.ciphertext, "base64").toString("latin1"), /hunter2/);
});

test("a sealed value does not open for another version, another secret or another key", () => {
  const key = newDataKey();
  const sealed = sealValue(key, "binary", Buffer.from([1, 2, 3]), ctx, KEY_IN_LOG);
  assert.throws(
    () => openValue(key, sealed, { ...ctx, versionId: "w".repeat(32) }),
    (e: unknown) => e instanceof DecryptionError,
  );
  assert.throws(
    () => openValue(key, sealed, { ...ctx, arn: ctx.arn + "x" }),
    (e: unknown) => e instanceof DecryptionError,
  );
  assert.throws(
    () => openValue(newDataKey(), sealed, ctx),
    (e: unknown) => e instanceof DecryptionError,
  );
  assert.throws(
    () => openValue(key, { ...sealed, kind: "string" }, ctx),
    (e: unknown) => e instanceof DecryptionError,
  );
});

test("two seals of one value differ, but their fingerprints under one key agree", () => {
  const key = newDataKey();
  const a = sealValue(key, "string", Buffer.from("same"), ctx, KEY_IN_LOG);
  const b = sealValue(key, "string", Buffer.from("same"), ctx, KEY_IN_LOG);
  assert.is.not(a.ciphertext, b.ciphertext);
  assert.is(a.fingerprint, b.fingerprint);
  assert.is.not(sealValue(key, "string", Buffer.from("other"), ctx, KEY_IN_LOG).fingerprint, a.fingerprint);
  assert.is.not(sealValue(key, "binary", Buffer.from("same"), ctx, KEY_IN_LOG).fingerprint, a.fingerprint);
  assert.is.not(sealValue(newDataKey(), "string", Buffer.from("same"), ctx, KEY_IN_LOG).fingerprint, a.fingerprint);
});

test("the fingerprint is the one earlier versions computed (HKDF as node's hkdfSync), so their tokens still compare", () => {
  const key = newDataKey();
  const macKey = Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), "secret-ledger/fingerprint/v1", 32));
  const expected = createHmac("sha256", macKey).update("string\nsame").digest("base64");
  assert.is(sealValue(key, "string", Buffer.from("same"), ctx, KEY_IN_LOG).fingerprint, expected);
});

test("a wrapped data key unwraps only with the master key and its own context", () => {
  const key = newDataKey();
  const wrapped = wrapDataKey(master, key, ctx);
  assert.equal(unwrapDataKey(master, wrapped, ctx), key);
  assert.throws(
    () => unwrapDataKey(newDataKey(), wrapped, ctx),
    (e: unknown) => e instanceof DecryptionError,
  );
  assert.throws(
    () => unwrapDataKey(master, wrapped, { ...ctx, versionId: "w".repeat(32) }),
    (e: unknown) => e instanceof DecryptionError,
  );
  assert.throws(
    () => unwrapDataKey(master, "AAAA", ctx),
    (e: unknown) => e instanceof DecryptionError,
  );
});

test.run();
