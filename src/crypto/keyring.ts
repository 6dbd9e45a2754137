import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { createHmac, hkdfSync, randomBytes, randomUUID } from "node:crypto";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { readPrivateJson } from "../private-files.js";
import type { Home } from "../domain/queries.js";
import { KEY_BYTES } from "./envelope.js";

// The keyring: the master keys that wrap data keys, as KMS keys are to Secrets Manager. Each key has an id (a
// UUID, like a KMS key id), aliases, an enabled flag and one or more generations of key material: the newest
// wraps new data keys, the older ones still unwrap what they wrapped (rotation, as KMS does it). The key with
// the alias aws/secretsmanager is the default for secrets without a KmsKeyId, as AWS's managed key is.

export const DEFAULT_ALIAS = "alias/aws/secretsmanager";

const Base64Key = new t.Type<string, string, unknown>(
  "Base64Key",
  (u): u is string => typeof u === "string",
  (u, c) => (typeof u === "string" && Buffer.from(u, "base64").length === KEY_BYTES ? t.success(u) : t.failure(u, c)),
  (s) => s,
);
const Alias = t.refinement(t.string, (s) => /^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(s), "alias/<name>");
const KeyIdCodec = t.refinement(t.string, (s) => /^[0-9a-f-]{36}$/.test(s), "key id (a UUID)");

const Material = t.type({ generation: t.number, createdAt: t.string, key: Base64Key });
const MasterKeyEntry = t.intersection([
  t.type({ keyId: KeyIdCodec, enabled: t.boolean, createdAt: t.string, material: t.array(Material) }),
  t.partial({ aliases: t.array(Alias), description: t.string }),
]);
export const KeyringFile = t.type({ keys: t.array(MasterKeyEntry) });
export type KeyringFile = t.TypeOf<typeof KeyringFile>;
type MasterKeyEntry = t.TypeOf<typeof MasterKeyEntry>;

/** The key material that wraps (or wrapped) a data key, and the names it is known by. */
export type WrappingKey = { readonly keyId: string; readonly generation: number; readonly material: Buffer };

export type KeyUnavailable =
  { readonly _tag: "KeyNotFound" } | { readonly _tag: "KeyDisabled"; readonly keyId: string };

/** What the service needs of the keyring: the key for a KmsKeyId, and the material that wrapped a data key. */
export class Keyring {
  private readonly byId: ReadonlyMap<string, MasterKeyEntry>;
  private readonly byAlias: ReadonlyMap<string, MasterKeyEntry>;

  constructor(
    readonly file: KeyringFile,
    private readonly home: Home,
  ) {
    this.byId = new Map(file.keys.map((k) => [k.keyId, k]));
    this.byAlias = new Map(file.keys.flatMap((k) => (k.aliases ?? []).map((a): [string, MasterKeyEntry] => [a, k])));
    if (!this.byAlias.has(DEFAULT_ALIAS)) throw new Error(`the keyring has no key with the alias ${DEFAULT_ALIAS}`);
  }

  /**
   * The key a KmsKeyId names, in any form AWS accepts: key id, key ARN, alias/name or alias ARN (of this
   * account and region); empty or absent means the default key.
   */
  resolve(kmsKeyId: string | undefined): MasterKeyEntry | undefined {
    if (kmsKeyId === undefined || kmsKeyId === "") return this.byAlias.get(DEFAULT_ALIAS);
    const arnPrefix = `arn:${this.home.partition}:kms:${this.home.region}:${this.home.account}:`;
    const id = kmsKeyId.startsWith(arnPrefix) ? kmsKeyId.slice(arnPrefix.length) : kmsKeyId;
    if (id.startsWith("alias/")) return this.byAlias.get(id);
    if (id.startsWith("key/") && kmsKeyId !== id) return this.byId.get(id.slice("key/".length));
    return this.byId.get(id);
  }

  /** The newest material of the key a KmsKeyId names, to wrap a new data key with. */
  forWrapping(kmsKeyId: string | undefined): E.Either<KeyUnavailable, WrappingKey> {
    const entry = this.resolve(kmsKeyId);
    if (entry === undefined) return E.left({ _tag: "KeyNotFound" });
    if (!entry.enabled) return E.left({ _tag: "KeyDisabled", keyId: entry.keyId });
    const newest = entry.material.reduce((a, b) => (b.generation > a.generation ? b : a));
    return E.right({ keyId: entry.keyId, generation: newest.generation, material: Buffer.from(newest.key, "base64") });
  }

  /** The material that wrapped a data key, as the key store recorded it. */
  forUnwrapping(keyId: string, generation: number): E.Either<KeyUnavailable, WrappingKey> {
    const entry = this.byId.get(keyId);
    const material = entry?.material.find((m) => m.generation === generation);
    if (entry === undefined || material === undefined) return E.left({ _tag: "KeyNotFound" });
    if (!entry.enabled) return E.left({ _tag: "KeyDisabled", keyId });
    return E.right({ keyId, generation, material: Buffer.from(material.key, "base64") });
  }

  /** Whether the material that wrapped a key is here and its key enabled (forUnwrapping without the material). */
  usable(keyId: string, generation: number): boolean {
    const entry = this.byId.get(keyId);
    return entry !== undefined && entry.enabled && entry.material.some((m) => m.generation === generation);
  }

  get defaultKeyId(): string {
    return (this.byAlias.get(DEFAULT_ALIAS) as MasterKeyEntry).keyId;
  }

  /** Every generation of every key, to check against the ones the key store has seen. */
  allMaterial(): ReadonlyArray<WrappingKey> {
    return this.file.keys.flatMap((k) =>
      k.material.map((m) => ({ keyId: k.keyId, generation: m.generation, material: Buffer.from(m.key, "base64") })),
    );
  }

  /**
   * A key for one of the service's own purposes (page tokens, the audit chain), derived from the default key's
   * first material, which rotation never removes: every server sharing the keyring derives the same one.
   */
  derivedKey(purpose: string): Buffer {
    const entry = this.byAlias.get(DEFAULT_ALIAS) as MasterKeyEntry;
    const first = entry.material.reduce((a, b) => (b.generation < a.generation ? b : a));
    return Buffer.from(
      hkdfSync("sha256", Buffer.from(first.key, "base64"), Buffer.alloc(0), `secret-ledger/${purpose}/v1`, KEY_BYTES),
    );
  }
}

/** The key's ARN, as KMS would name it. */
export const keyArn = (home: { partition: string; region: string; account: string }, keyId: string): string =>
  `arn:${home.partition}:kms:${home.region}:${home.account}:key/${keyId}`;

/** Names key material without revealing it: an HMAC of a fixed label under it. */
export const materialFingerprint = (material: Buffer): string =>
  createHmac("sha256", material).update("secret-ledger/master-key-id/v1").digest("base64url");

// The keyring file: JSON, mode 0600, replaced atomically (write, then rename) so a reader never sees half.

const now = (): string => new Date().toISOString();
const newMaterial = (generation: number, key: Buffer = randomBytes(KEY_BYTES)) => ({
  generation,
  createdAt: now(),
  key: key.toString("base64"),
});

export const readKeyringFile = (path: string): KeyringFile => {
  const file = readPrivateJson(path, KeyringFile, "a keyring");
  const ids = new Set<string>();
  const aliases = new Set<string>();
  for (const k of file.keys) {
    if (ids.has(k.keyId)) throw new Error(`${path}: key ${k.keyId} appears twice`);
    ids.add(k.keyId);
    if (k.material.length === 0) throw new Error(`${path}: key ${k.keyId} has no material`);
    for (const a of k.aliases ?? []) {
      if (aliases.has(a)) throw new Error(`${path}: alias ${a} names two keys`);
      aliases.add(a);
    }
  }
  return file;
};

export const writeKeyringFile = (path: string, file: KeyringFile): void => {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(file, null, 2) + "\n", { mode: 0o600 });
  renameSync(temporary, path);
};

/**
 * The keyring file, created on first use with one key, the default. A master key kept by an earlier version
 * in `legacyMasterKey` becomes that key's first material, so what it wrapped stays readable.
 */
export const loadOrCreateKeyring = (path: string, legacyMasterKey?: Buffer): KeyringFile => {
  if (existsSync(path)) return readKeyringFile(path);
  const file: KeyringFile = {
    keys: [
      {
        keyId: randomUUID(),
        aliases: [DEFAULT_ALIAS],
        description: "Default key for secrets without a KmsKeyId",
        enabled: true,
        createdAt: now(),
        material: [newMaterial(1, legacyMasterKey)],
      },
    ],
  };
  writeKeyringFile(path, file);
  return file;
};

// The changes `secret-ledger keys …` makes. Each returns the new file; nothing is ever removed, so what a key
// once wrapped stays readable while the key is enabled.

/** The key a KmsKeyId names, by the same rule the service uses. */
const entryFor = (file: KeyringFile, kmsKeyId: string, home: Home): MasterKeyEntry => {
  const entry = new Keyring(file, home).resolve(kmsKeyId);
  if (entry === undefined) throw new Error(`no key ${kmsKeyId} in the keyring`);
  return entry;
};

const replaceEntry = (file: KeyringFile, entry: MasterKeyEntry): KeyringFile => ({
  keys: file.keys.map((k) => (k.keyId === entry.keyId ? entry : k)),
});

export const createKey = (
  file: KeyringFile,
  options: { readonly alias?: string; readonly description?: string },
): { file: KeyringFile; keyId: string } => {
  const alias: string | undefined = options.alias;
  if (alias !== undefined) {
    if (E.isLeft(Alias.decode(alias))) throw new Error(`an alias looks like alias/<name>, not ${alias}`);
    if (file.keys.some((k) => (k.aliases ?? []).includes(alias))) throw new Error(`the alias ${alias} is taken`);
  }
  const keyId = randomUUID();
  const entry: MasterKeyEntry = {
    keyId,
    ...(options.alias === undefined ? {} : { aliases: [options.alias] }),
    ...(options.description === undefined ? {} : { description: options.description }),
    enabled: true,
    createdAt: now(),
    material: [newMaterial(1)],
  };
  return { file: { keys: [...file.keys, entry] }, keyId };
};

/** New key material for a key: it wraps every data key from now on; the older material still unwraps. */
export const rotateKey = (
  file: KeyringFile,
  kmsKeyId: string,
  home: Home,
): { file: KeyringFile; generation: number } => {
  const entry = entryFor(file, kmsKeyId, home);
  const generation = Math.max(...entry.material.map((m) => m.generation)) + 1;
  return { file: replaceEntry(file, { ...entry, material: [...entry.material, newMaterial(generation)] }), generation };
};

export const setKeyEnabled = (file: KeyringFile, kmsKeyId: string, enabled: boolean, home: Home): KeyringFile =>
  replaceEntry(file, { ...entryFor(file, kmsKeyId, home), enabled });
