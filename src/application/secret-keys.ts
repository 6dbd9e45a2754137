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

/** A data key kept unwrapped, and the master key (and generation) that wraps the secret's key it came from. */
type KnownDataKey = { readonly key: Buffer; readonly keyId: string; readonly generation: number };
type KeptSecret = {
  readonly epochs: Map<number, OpenSecretKey | "missing">;
  readonly versions: Map<string, KnownDataKey>;
};

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
   * What is kept of each secret, by ARN, in the order of last use: its keys by epoch ("missing": none in the key
   * store, erased or an epoch never made, which stays so: a new key is only ever made above the secret's epoch
   * now), and its versions' data keys already unwrapped (a read then opens its value with one AES operation),
   * each with the master key (and generation) that wraps the secret's key it came from.
   */
  private readonly secrets = new Map<string, KeptSecret>();

  constructor(
    private readonly store: Pick<DataKeyStore, "getSecretKey"> & Partial<Pick<DataKeyStore, "createSecretKey">>,
    private readonly keyring: () => Keyring,
  ) {}

  /** The secret's key of `epoch`, unwrapped. A master key disabled since refuses it, as KMS refuses Decrypt. */
  async get(arn: string, epoch: number): Promise<E.Either<SecretKeyProblem, OpenSecretKey>> {
    let key = this.secrets.get(arn)?.epochs.get(epoch);
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

  /** Keeps a copy of version `versionId`'s data key, unwrapped from `from`. */
  rememberDataKey(arn: string, versionId: string, dataKey: Buffer, from: OpenSecretKey): void {
    const versions = this.secrets.get(arn)?.versions;
    versions?.set(versionId, { key: Buffer.from(dataKey), keyId: from.keyId, generation: from.generation });
  }

  private known(arn: string, versionId: string): E.Either<MasterKeyUnavailable, KnownDataKey> | undefined {
    const known = this.secrets.get(arn)?.versions.get(versionId);
    if (known === undefined) return undefined;
    if (!this.keyring().usable(known.keyId, known.generation))
      return E.left({ _tag: "MasterKeyUnavailable", keyId: known.keyId, generation: known.generation });
    return E.right(known);
  }

  /** Drops what is kept of a secret's versions. */
  private dropVersions(kept: KeptSecret): void {
    kept.versions.clear();
  }

  /** Forgets the secret's keys of epochs below `below` (and every data key of it), as the key store erases them. */
  forget(arn: string, below: number): void {
    const kept = this.secrets.get(arn);
    if (kept === undefined) return;
    this.dropVersions(kept);
    for (const epoch of [...kept.epochs.keys()]) if (epoch < below) kept.epochs.set(epoch, "missing");
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
    const secret: KeptSecret = this.secrets.get(arn) ?? { epochs: new Map(), versions: new Map() };
    this.secrets.delete(arn);
    this.secrets.set(arn, secret);
    const held = secret.epochs.get(epoch);
    const kept = held === undefined || held === "missing" ? key : held;
    secret.epochs.set(epoch, kept);
    if (this.secrets.size > CACHED_SECRETS) {
      const [oldest, dropped] = this.secrets.entries().next().value as [string, KeptSecret];
      this.dropVersions(dropped);
      this.secrets.delete(oldest);
    }
    return kept;
  }
}
