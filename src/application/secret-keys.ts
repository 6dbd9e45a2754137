import * as E from "fp-ts/lib/Either.js";
import { DecryptionError, newDataKey, unwrapSecretKey, wrapDataKey, wrapSecretKey } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import type { StoredSecretKey } from "../store/key-store.js";
import type { DataKeyStore } from "./ports.js";

// Each secret's key, as the use cases hold it: unwrapped from the key store once, then kept in memory (never
// written anywhere unwrapped) until its secret's keys of that epoch are erased, so a write seals under it with
// no key-store write on its path and a read opens a data key with one AES operation. A key kept here is
// dropped, not wiped, when it is forgotten: a request under way may still be using it (as the keyring's master
// keys, it stays in the process's memory until collected).

/** A secret's key of one epoch, unwrapped, with the master key (and generation) that wraps it in the key store. */
export type OpenSecretKey = {
  readonly keyId: string;
  readonly generation: number;
  readonly key: Buffer;
  /** The data keys of older versions that survived this key's making, by VersionId, wrapped under it. */
  readonly rewrapped: Readonly<Record<string, string>>;
};

/**
 * A data key kept unwrapped, the master key (and generation) that wraps the secret's key it came from, and the
 * version's value once opened.
 */
type KnownDataKey = {
  readonly key: Buffer;
  readonly keyId: string;
  readonly generation: number;
  opened?: OpenedValue;
};
type OpenedValue = { readonly ciphertext: string; readonly plaintext: Buffer };

/** How many bytes of opened values are kept in memory, at most. */
const OPENED_BYTES = 32 * 1024 * 1024;

/** Why a secret's key cannot be used: it is not in the key store (erased), or its master key is not usable. */
export type SecretKeyProblem =
  { readonly _tag: "SecretKeyMissing" } | MasterKeyUnavailable | { readonly _tag: "SecretKeyDoesNotOpen" };

/** The master key (and generation) that wraps a key is not in the keyring, or is disabled. */
export type MasterKeyUnavailable = {
  readonly _tag: "MasterKeyUnavailable";
  readonly keyId?: string;
  readonly generation?: number;
};

/** How many secrets' keys are kept open in memory, most recently used first. */
const CACHED_SECRETS = 50_000;

export class SecretKeys {
  /**
   * By ARN, then epoch; the order of the outer map is the order of last use. "missing": none in the key store
   * (erased, or an epoch never made), which stays so: a new key is only ever made above the secret's epoch now.
   */
  private readonly open = new Map<string, Map<number, OpenSecretKey | "missing">>();
  /**
   * Data keys already unwrapped, by ARN then VersionId, with the master key (and generation) that wraps the secret's
   * key they came from: a read then opens its value with one AES operation. Forgotten with the secret's keys.
   */
  private readonly dataKeys = new Map<string, Map<string, KnownDataKey>>();
  private openedBytes = 0;

  constructor(
    private readonly store: Pick<DataKeyStore, "getSecretKey"> & Partial<Pick<DataKeyStore, "createSecretKey">>,
    private readonly keyring: () => Keyring,
  ) {}

  /** The secret's key of `epoch`, unwrapped. A master key disabled since refuses it, as KMS refuses Decrypt. */
  async get(arn: string, epoch: number): Promise<E.Either<SecretKeyProblem, OpenSecretKey>> {
    let key = this.open.get(arn)?.get(epoch);
    if (key === "missing") return E.left({ _tag: "SecretKeyMissing" });
    if (key === undefined) {
      const stored = await this.store.getSecretKey(arn, epoch);
      if (stored === undefined) {
        this.remember(arn, epoch, "missing");
        return E.left({ _tag: "SecretKeyMissing" });
      }
      const opened = this.unwrap(arn, epoch, stored);
      if (E.isLeft(opened)) return opened;
      key = opened.right;
    }
    if (!this.keyring().usable(key.keyId, key.generation))
      return E.left({ _tag: "MasterKeyUnavailable", keyId: key.keyId, generation: key.generation });
    const kept = this.remember(arn, epoch, key);
    return kept === "missing" ? E.left({ _tag: "SecretKeyMissing" }) : E.right(kept);
  }

  /**
   * Makes the secret's key of the first epoch from `from` on that has none, under the master key `kmsKeyId` names,
   * holding `dataKeys` (by VersionId) wrapped under it; with `reuse`, the key of epoch `from` if there is one
   * already (a secret's first key, which another writer may have made first). Returns the epoch.
   */
  async make(
    arn: string,
    from: number,
    kmsKeyId: string | undefined,
    options: { readonly dataKeys?: ReadonlyMap<string, Buffer>; readonly reuse?: boolean } = {},
  ): Promise<E.Either<SecretKeyProblem, number>> {
    const wrapping = this.keyring().forWrapping(kmsKeyId);
    if (E.isLeft(wrapping)) return E.left({ _tag: "MasterKeyUnavailable" });
    const create = this.store.createSecretKey;
    if (create === undefined) throw new Error("this key store is read-only");
    for (let epoch = from; ; epoch++) {
      const key = newDataKey();
      const rewrapped: Record<string, string> = {};
      for (const [versionId, dataKey] of options.dataKeys ?? [])
        rewrapped[versionId] = wrapDataKey(key, dataKey, { arn, versionId });
      const stored: StoredSecretKey = {
        keyId: wrapping.right.keyId,
        generation: wrapping.right.generation,
        wrapped: wrapSecretKey(wrapping.right.material, key, arn, epoch),
        rewrapped,
      };
      if (await create.call(this.store, arn, epoch, stored)) {
        this.remember(arn, epoch, { keyId: stored.keyId, generation: stored.generation, key, rewrapped });
        return E.right(epoch);
      }
      if (options.reuse === true) return E.map(() => epoch)(await this.get(arn, epoch));
    }
  }

  /** A data key unwrapped before, if its master key is still usable; MasterKeyUnavailable if not. */
  knownDataKey(arn: string, versionId: string): E.Either<MasterKeyUnavailable, Buffer> | undefined {
    const known = this.known(arn, versionId);
    return known === undefined ? undefined : E.map((k: KnownDataKey) => k.key)(known);
  }

  /**
   * A value opened before (`ciphertext`, of version `versionId`), if its data key's master key is still usable:
   * a read of it then does no AES at all. MasterKeyUnavailable if not usable.
   */
  knownValue(arn: string, versionId: string, ciphertext: string): E.Either<MasterKeyUnavailable, Buffer> | undefined {
    const known = this.known(arn, versionId);
    if (known === undefined || (E.isRight(known) && known.right.opened?.ciphertext !== ciphertext)) return undefined;
    return E.map((k: KnownDataKey) => (k.opened as OpenedValue).plaintext)(known);
  }

  /** Keeps a copy of version `versionId`'s data key, unwrapped from `from`. */
  rememberDataKey(arn: string, versionId: string, dataKey: Buffer, from: OpenSecretKey): void {
    if (!this.open.has(arn)) return;
    const known = this.dataKeys.get(arn) ?? new Map<string, KnownDataKey>();
    known.set(versionId, { key: Buffer.from(dataKey), keyId: from.keyId, generation: from.generation });
    this.dataKeys.set(arn, known);
  }

  /** Keeps the value `ciphertext` of version `versionId` opened, while OPENED_BYTES allows. */
  rememberValue(arn: string, versionId: string, ciphertext: string, plaintext: Buffer): void {
    const known = this.dataKeys.get(arn)?.get(versionId);
    if (known === undefined || known.opened !== undefined || this.openedBytes + plaintext.length > OPENED_BYTES) return;
    known.opened = { ciphertext, plaintext: Buffer.from(plaintext) };
    this.openedBytes += plaintext.length;
  }

  private known(arn: string, versionId: string): E.Either<MasterKeyUnavailable, KnownDataKey> | undefined {
    const known = this.dataKeys.get(arn)?.get(versionId);
    if (known === undefined) return undefined;
    if (!this.keyring().usable(known.keyId, known.generation))
      return E.left({ _tag: "MasterKeyUnavailable", keyId: known.keyId, generation: known.generation });
    return E.right(known);
  }

  /** Drops what is kept of secret `arn`'s versions. */
  private dropVersions(arn: string): void {
    for (const known of this.dataKeys.get(arn)?.values() ?? []) this.openedBytes -= known.opened?.plaintext.length ?? 0;
    this.dataKeys.delete(arn);
  }

  /** Forgets the secret's keys of epochs below `below` (and every data key of it), as the key store erases them. */
  forget(arn: string, below: number): void {
    this.dropVersions(arn);
    const epochs = this.open.get(arn);
    if (epochs === undefined) return;
    for (const epoch of [...epochs.keys()]) if (epoch < below) epochs.set(epoch, "missing");
    if (epochs.size === 0) this.open.delete(arn);
  }

  private unwrap(arn: string, epoch: number, stored: StoredSecretKey): E.Either<SecretKeyProblem, OpenSecretKey> {
    const master = this.keyring().forUnwrapping(stored.keyId, stored.generation);
    if (E.isLeft(master))
      return E.left({ _tag: "MasterKeyUnavailable", keyId: stored.keyId, generation: stored.generation });
    try {
      const key = unwrapSecretKey(master.right.material, stored.wrapped, arn, epoch);
      return E.right({ keyId: stored.keyId, generation: stored.generation, key, rewrapped: stored.rewrapped });
    } catch (e) {
      if (e instanceof DecryptionError) return E.left({ _tag: "SecretKeyDoesNotOpen" });
      throw e;
    }
  }

  /** Keeps `key` (the one kept already, if another caller unwrapped it meanwhile), and returns what is kept. */
  private remember(arn: string, epoch: number, key: OpenSecretKey | "missing"): OpenSecretKey | "missing" {
    const epochs = this.open.get(arn) ?? new Map<number, OpenSecretKey | "missing">();
    this.open.delete(arn);
    const held = epochs.get(epoch);
    const kept = held === undefined || held === "missing" ? key : held;
    epochs.set(epoch, kept);
    this.open.set(arn, epochs);
    if (this.open.size > CACHED_SECRETS) {
      const oldest = this.open.keys().next().value as string;
      this.open.delete(oldest);
      this.dropVersions(oldest);
    }
    return kept;
  }
}
