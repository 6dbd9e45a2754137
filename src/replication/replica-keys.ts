import * as E from "fp-ts/lib/Either.js";
import { DecryptionError, unwrapSecretKey, wrapSecretKey } from "../crypto/envelope.js";
import type { Keyring, WrappingKey } from "../crypto/keyring.js";
import { withDataKey, wrapWith, type KeySource } from "../application/sealing.js";
import { SecretKeys } from "../application/secret-keys.js";
import type { ValueReader } from "../application/values.js";
import type { ActiveSecret } from "../domain/state.js";
import type { CopiedKey, KeyCopies } from "../store/key-copies.js";
import type { KeyReader, KeyStore, StoredSecretKey } from "../store/key-store.js";

/**
 * Reads the primary's keys of the secrets whose ARN is one of `wanted` at once, each handed to `onKey` as it comes;
 * false if a read each is sooner (none read). Fails if the primary is out of reach.
 */
export type ReadPrimaryKeys = (
  wanted: ReadonlySet<string>,
  onKey: (arn: string, epoch: number, key: StoredSecretKey) => void,
) => Promise<boolean>;

/** A replica's keys as a first pass's read at once copies them. */
type Planned = {
  readonly state: ActiveSecret;
  readonly wrapping: WrappingKey;
  /** The epochs to copy. */
  readonly from: number;
  readonly hi: number;
  /** The highest epoch of the secret's keys read: the read covers `hi` once it is there or beyond. */
  seen: number;
  /** The copies made, by epoch; undefined once one cannot be made (the replica is then synced on its own). */
  copies: Map<number, CopiedKey> | undefined;
};

/** Where a replica's keys were copied last: its primary's key of epoch `upTo` and all before it, wrapped so. */
type Copied = { readonly upTo: number; readonly keyId: string; readonly generation: number };

/**
 * The keys a region keeps to serve its replicas of one primary region. A replica's values, in the primary's log
 * (mirrored here), sit beside their data keys, wrapped under the primary secret's key of an epoch; this region
 * keeps a copy of each such key (KeyCopies), unwrapped with its keyring and wrapped anew under the replica's
 * KmsKeyId (copied as they are when that is the same master key and generation). Values written before event
 * schema 2 keep their data keys in the primary's key store by version: those are copied by version, as the
 * replica's ARN, into this region's key store.
 */
export class ReplicaKeys {
  /** What is copied here already, by primary ARN: read as replication starts, then kept up as keys are copied. */
  private readonly copied = new Map<string, Copied>();
  /** Each value of `copied` once (most replicas share one: their first epoch, under the region's default key). */
  private readonly alike = new Map<string, Copied>();
  /** Where replicas' values are opened: the primary's log as mirrored here, and the keys kept here. */
  readonly source: KeySource;

  constructor(
    private readonly deps: {
      readonly copies: KeyCopies;
      /** This region's key store: the data keys copied by version. */
      readonly keys: KeyStore;
      /** The primary's key store, read over the leafnode. */
      readonly primary: KeyReader;
      /** The primary's log, as mirrored here. */
      readonly values: ValueReader;
      readonly keyring: () => Keyring;
    },
  ) {
    this.source = {
      values: deps.values,
      keys: deps.keys,
      secretKeys: new SecretKeys({ getSecretKey: (arn, epoch) => deps.copies.get(arn, epoch) }, deps.keyring),
      keyring: deps.keyring,
    };
  }

  /** Reads what is copied here already of the replicas of primary ARN `arns` (as the catalog holds them). */
  async start(arns: Iterable<string>): Promise<void> {
    const read = new Map<string, Copied>();
    await this.deps.copies.readAll(({ arn, epoch, key }) => {
      const known = read.get(arn);
      if (known === undefined || epoch >= known.upTo) read.set(arn, this.copiedAs(epoch, key));
    });
    // Kept by the catalog's ARNs: the strings read go.
    for (const arn of arns) {
      const known = read.get(arn);
      if (known !== undefined) this.copied.set(arn, known);
    }
  }

  /**
   * Whether secret `state`'s secret's keys are all copied here, wrapped as `wrapping` says, and none of its data
   * keys is kept by version (those are checked one by one).
   */
  hasAll(state: ActiveSecret, wrapping: Pick<WrappingKey, "keyId" | "generation">): boolean {
    const known = this.copied.get(state.arn);
    const { hi, byVersion } = epochsOf(state);
    return !byVersion && (hi === 0 || (known !== undefined && known.upTo >= hi && sameWrapping(known, wrapping)));
  }

  /**
   * Copies the keys of secret `state` (the primary's) not copied here yet, wrapped under `wrapping`: its secret's
   * keys, and its versions' data keys kept by version (as `replicaArn`). Fails with why, as the report says it.
   */
  async copy(state: ActiveSecret, replicaArn: string, wrapping: WrappingKey): Promise<E.Either<string, void>> {
    const copies = await this.secretKeyCopies(state, wrapping);
    if (E.isLeft(copies)) return copies;
    if (copies.right.length > 0) {
      await this.deps.copies.copy(copies.right);
      this.copiedNow(state, Math.max(...copies.right.map((c) => c.epoch)), wrapping);
    }
    return this.copyByVersion(state, replicaArn, wrapping);
  }

  private copiedAs(upTo: number, wrapping: { readonly keyId: string; readonly generation: number }): Copied {
    const id = `${upTo} ${wrapping.generation} ${wrapping.keyId}`;
    let copied = this.alike.get(id);
    if (copied === undefined) {
      copied = { upTo, keyId: wrapping.keyId, generation: wrapping.generation };
      this.alike.set(id, copied);
    }
    return copied;
  }

  /** Forgets what is known of secret `arn`'s copies of epochs below `below` (they are being erased). */
  forget(arn: string, below: number): void {
    this.source.secretKeys.forget(arn, below);
    if (!Number.isFinite(below)) this.copied.delete(arn);
  }

  /** The copies of the secret's keys to make: each epoch its versions may need, from the first not copied yet. */
  private async secretKeyCopies(
    state: ActiveSecret,
    wrapping: WrappingKey,
  ): Promise<E.Either<string, ReadonlyArray<CopiedKey>>> {
    const { from, hi } = this.toCopy(state, wrapping);
    const keys = new Map<number, StoredSecretKey | undefined>();
    for (let epoch = from; epoch <= hi; epoch++)
      keys.set(epoch, await this.deps.primary.getSecretKey(state.arn, epoch));
    return copiesOf(this.deps.keyring(), state.arn, keys, wrapping);
  }

  /**
   * A first pass over many replicas: the primary's keys of those none of whose data keys is kept by version are
   * read at once (`read`), copied as they come, each wrapped under its replica's `wrapping`, and written together.
   * Returns the replicas whose keys are all here now; the others are left to `copy`, one at a time. Undefined (none
   * copied) if `read` says a read each is sooner.
   */
  async copyAtOnce(
    replicas: ReadonlyArray<{ readonly state: ActiveSecret; readonly wrapping: WrappingKey }>,
    read: ReadPrimaryKeys,
  ): Promise<ReadonlyArray<ActiveSecret> | undefined> {
    const keyring = this.deps.keyring();
    const planned = new Map<string, Planned>();
    for (const { state, wrapping } of replicas) {
      const epochs = epochsOf(state);
      if (epochs.byVersion) continue;
      const { from, hi } = this.toCopy(state, wrapping, epochs);
      planned.set(state.arn, { state, wrapping, from, hi, seen: 0, copies: new Map() });
    }
    const wasRead = await read(new Set(planned.keys()), (arn, epoch, key) => {
      const plan = planned.get(arn);
      if (plan === undefined) return;
      plan.seen = Math.max(plan.seen, epoch);
      if (plan.copies === undefined || epoch < plan.from || epoch > plan.hi) return;
      const copied = copyOf(keyring, arn, epoch, key, plan.wrapping);
      // A later key of the same epoch (a rewrapping) replaces the one before.
      if (E.isRight(copied)) plan.copies.set(epoch, copied.right);
      else plan.copies = undefined;
    });
    if (!wasRead) return undefined;
    // Covered when `hi` was read (or beyond): a key of an epoch before it missing from the read was erased there.
    const done = [...planned.values()].filter(
      (p): p is Planned & { copies: Map<number, CopiedKey> } =>
        p.copies !== undefined && (p.from > p.hi || p.seen >= p.hi),
    );
    await this.deps.copies.copy(done.flatMap((p) => [...p.copies.values()]));
    for (const { state, hi, wrapping } of done) this.copiedNow(state, hi, wrapping);
    return done.map((p) => p.state);
  }

  /** The epochs of the secret's keys to copy: those its versions may need, from the first not copied yet. */
  private toCopy(
    state: ActiveSecret,
    wrapping: WrappingKey,
    { lo, hi }: { readonly lo: number; readonly hi: number } = epochsOf(state),
  ): { readonly from: number; readonly hi: number } {
    const known = this.copied.get(state.arn);
    return { from: known !== undefined && sameWrapping(known, wrapping) ? Math.max(lo, known.upTo + 1) : lo, hi };
  }

  /** Keys of the secret up to epoch `upTo` are copied here, wrapped so. */
  private copiedNow(state: ActiveSecret, upTo: number, wrapping: WrappingKey): void {
    const known = this.copied.get(state.arn);
    if (known === undefined || upTo >= known.upTo || !sameWrapping(known, wrapping))
      this.copied.set(state.arn, this.copiedAs(upTo, wrapping));
  }

  /** The data keys kept by version (values from before event schema 2) copied here, as `replicaArn`. */
  private async copyByVersion(
    state: ActiveSecret,
    replicaArn: string,
    wrapping: WrappingKey,
  ): Promise<E.Either<string, void>> {
    for (const [versionId, { value }] of state.versions) {
      if (value?.key.in !== "key-store") continue;
      const here = await this.deps.keys.get(replicaArn, versionId);
      if (here !== undefined && sameWrapping(here, wrapping)) continue;
      const to = { arn: replicaArn, versionId };
      const from = here ?? (await this.deps.primary.get(state.arn, versionId));
      // None at the primary either: it was destroyed there (pruned or deleted); the log will say so here too.
      if (from === undefined) continue;
      const wrapped = await withDataKey(
        this.deps.keyring(),
        from,
        here === undefined ? { arn: state.arn, versionId } : to,
        (k) => wrapWith(wrapping, k, to),
      );
      if (E.isLeft(wrapped))
        return E.left(
          wrapped.left._tag === "MasterKeyUnavailable"
            ? masterKeyMissing(wrapped.left.keyId ?? "?", wrapped.left.generation ?? "?")
            : `the data key of version ${versionId} does not open here.`,
        );
      if (here === undefined) await this.deps.keys.put(replicaArn, versionId, wrapped.right);
      else await this.deps.keys.rewrap(replicaArn, versionId, wrapped.right);
    }
    return E.right(undefined);
  }
}

const masterKeyMissing = (keyId: string, generation: number | string): string =>
  `this region's keyring does not hold master key ${keyId} (generation ${generation}).`;

const sameWrapping = (
  x: { readonly keyId: string; readonly generation: number },
  y: { readonly keyId: string; readonly generation: number },
): boolean => x.keyId === y.keyId && x.generation === y.generation;

/**
 * The epochs of the secret's keys its versions may need: from the oldest epoch a value was sealed under to the
 * secret's key now (a version's data key is beside its value under its epoch's key, or in a later key, wrapped anew).
 * None (0, 0) when no value is sealed under a secret's key. `byVersion`: some data key is kept by version.
 */
const epochsOf = (state: ActiveSecret): { readonly lo: number; readonly hi: number; readonly byVersion: boolean } => {
  const { lowestEpoch: lo, byVersion } = state.versions.dataKeyPlaces();
  const hi = state.keyEpoch ?? 0;
  return lo === Number.POSITIVE_INFINITY || hi === 0 ? { lo: 0, hi: 0, byVersion } : { lo, hi, byVersion };
};

/**
 * The copies of secret `arn`'s keys of `keys` (by epoch; none: erased there, a pruning or a newer key replaced it,
 * and its versions' keys are in a later one), or why one cannot be made.
 */
const copiesOf = (
  keyring: Keyring,
  arn: string,
  keys: ReadonlyMap<number, StoredSecretKey | undefined>,
  wrapping: WrappingKey,
): E.Either<string, ReadonlyArray<CopiedKey>> => {
  const copies: CopiedKey[] = [];
  for (const [epoch, stored] of keys) {
    if (stored === undefined) continue;
    const copied = copyOf(keyring, arn, epoch, stored, wrapping);
    if (E.isLeft(copied)) return copied;
    copies.push(copied.right);
  }
  return E.right(copies);
};

/**
 * The primary's key of `epoch`, as this region keeps it: wrapped under `wrapping` (as it is, when that is the
 * master key and generation it is wrapped under there), bound to the primary's ARN and the epoch.
 */
const copyOf = (
  keyring: Keyring,
  arn: string,
  epoch: number,
  stored: StoredSecretKey,
  wrapping: WrappingKey,
): E.Either<string, CopiedKey> => {
  if (sameWrapping(stored, wrapping)) return E.right({ arn, epoch, key: stored });
  const master = keyring.forUnwrapping(stored.keyId, stored.generation);
  if (E.isLeft(master)) return E.left(masterKeyMissing(stored.keyId, stored.generation));
  let key: Buffer;
  try {
    key = unwrapSecretKey(master.right.material, stored.wrapped, arn, epoch);
  } catch (e) {
    if (e instanceof DecryptionError) return E.left(`the secret's key of epoch ${epoch} does not open here.`);
    throw e;
  }
  try {
    const wrapped = wrapSecretKey(wrapping.material, key, arn, epoch);
    return E.right({
      arn,
      epoch,
      key: { keyId: wrapping.keyId, generation: wrapping.generation, wrapped, rewrapped: stored.rewrapped },
    });
  } finally {
    key.fill(0);
  }
};
