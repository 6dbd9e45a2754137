import { test } from "uvu";
import * as assert from "uvu/assert";
import * as E from "fp-ts/lib/Either.js";
import { join } from "node:path";
import {
  DEFAULT_ALIAS,
  Keyring,
  createKey,
  loadOrCreateKeyring,
  readKeyringFile,
  rotateKey,
  setKeyEnabled,
  writeKeyringFile,
} from "../../src/crypto/keyring.js";
import { tempDir } from "../support/nats.js";

const home = { partition: "aws", region: "us-east-1", account: "123456789012" };

const fixture = () => {
  const path = join(tempDir("keyring"), "keyring.json");
  const first = loadOrCreateKeyring(path);
  const created = createKey(first, { alias: "alias/payments" });
  writeKeyringFile(path, created.file);
  return { path, keyId: created.keyId, defaultKeyId: first.keys[0]?.keyId ?? "" };
};

test("a KmsKeyId names a key in every form AWS accepts", () => {
  const { path, keyId, defaultKeyId } = fixture();
  const keyring = new Keyring(readKeyringFile(path), home);
  for (const id of [
    keyId,
    `arn:aws:kms:us-east-1:123456789012:key/${keyId}`,
    "alias/payments",
    "arn:aws:kms:us-east-1:123456789012:alias/payments",
  ])
    assert.is(keyring.resolve(id)?.keyId, keyId, id);
  for (const id of [undefined, "", DEFAULT_ALIAS]) assert.is(keyring.resolve(id)?.keyId, defaultKeyId, String(id));
  for (const id of [
    "alias/nope",
    `arn:aws:kms:eu-west-1:123456789012:key/${keyId}`,
    `arn:aws:kms:us-east-1:999999999999:alias/payments`,
    "payments",
  ])
    assert.is(keyring.resolve(id), undefined, id);
});

test("rotation adds a generation that wraps from then on; the older one still unwraps", () => {
  const { path, keyId } = fixture();
  const rotated = rotateKey(readKeyringFile(path), "alias/payments", home);
  assert.is(rotated.generation, 2);
  writeKeyringFile(path, rotated.file);
  const keyring = new Keyring(readKeyringFile(path), home);
  const wrapping = keyring.forWrapping("alias/payments");
  assert.ok(E.isRight(wrapping) && wrapping.right.generation === 2);
  assert.ok(E.isRight(keyring.forUnwrapping(keyId, 1)));
  assert.equal(keyring.forUnwrapping(keyId, 3), E.left({ _tag: "KeyNotFound" }));
});

test("a disabled key neither wraps nor unwraps; enabled again, it does both", () => {
  const { path, keyId } = fixture();
  writeKeyringFile(path, setKeyEnabled(readKeyringFile(path), keyId, false, home));
  const disabled = new Keyring(readKeyringFile(path), home);
  assert.equal(disabled.forWrapping(keyId), E.left({ _tag: "KeyDisabled", keyId }));
  assert.equal(disabled.forUnwrapping(keyId, 1), E.left({ _tag: "KeyDisabled", keyId }));
  writeKeyringFile(
    path,
    setKeyEnabled(readKeyringFile(path), "arn:aws:kms:us-east-1:123456789012:alias/payments", true, home),
  );
  assert.ok(E.isRight(new Keyring(readKeyringFile(path), home).forWrapping(keyId)));
});

test("derived keys are stable across rotation of the default key", () => {
  const { path } = fixture();
  const before = new Keyring(readKeyringFile(path), home).derivedKey("audit-chain");
  writeKeyringFile(path, rotateKey(readKeyringFile(path), DEFAULT_ALIAS, home).file);
  const after = new Keyring(readKeyringFile(path), home);
  assert.ok(after.derivedKey("audit-chain").equals(before));
  assert.not.ok(after.derivedKey("page-token").equals(before));
});

test("a keyring file with a taken alias or no default key is refused", () => {
  const { path } = fixture();
  assert.throws(() => createKey(readKeyringFile(path), { alias: "alias/payments" }), /taken/);
  assert.throws(() => createKey(readKeyringFile(path), { alias: "payments" }), /alias\//);
  const withoutDefault = { keys: readKeyringFile(path).keys.map((k) => ({ ...k, aliases: [] })) };
  assert.throws(() => new Keyring(withoutDefault, home), /alias\/aws\/secretsmanager/);
});

test.run();
