import * as E from "fp-ts/lib/Either.js";
import {
  DecryptionError,
  newDataKey,
  openValue,
  sealValue,
  unwrapDataKey,
  wrapDataKey,
  type VersionContext,
} from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import type { Carrying, SecretCommand } from "../domain/commands.js";
import type { SecretEvent } from "../domain/events.js";
import type { ActiveSecret, SecretState } from "../domain/state.js";
import type { DataKeyRef, SealedValue, ValueRef, VersionId } from "../domain/types.js";
import type { KeyReader, WrappedDataKey } from "../store/key-store.js";
import type { ServiceError } from "./errors.js";
import type { DataKeyStore } from "./ports.js";
import type { MasterKeyUnavailable, SecretKeys } from "./secret-keys.js";
import type { ValueReader } from "./values.js";

// Envelope encryption as the use cases need it: each version's value sealed under a data key of its own, that
// key wrapped under the secret's key and kept beside the value in the log; the secret's key wrapped under a
// master key of the keyring in the key store. (Before event schema 2, and for a promoted replica, a version's data
// key is wrapped under a master key and kept in the key store by version.) A plaintext data key lives only inside
// usingVersionKey (or while a new one seals), and is always wiped.

/** What sealing and opening need: the key store, the secrets' keys, and the keyring as it is now. */
export type Sealing = KeySource & { readonly keys: DataKeyStore };

/**
 * Where values and their data keys are read from: a region's log (this one's, or a followed region's mirror), its
 * key store and its secrets' keys.
 */
export type KeySource = {
  readonly values: ValueReader;
  readonly keys: Pick<KeyReader, "get">;
  readonly secretKeys: SecretKeys;
  readonly keyring: () => Keyring;
};

/**
 * Whose data keys: a secret's ARN and its key's epoch; `keptAs`, the ARN its data keys kept by version are under
 * when not `arn` (a replica's: its values are sealed for its primary, whose ARN its secret's keys are bound to).
 */
export type KeyHolder = { readonly arn: string; readonly keyEpoch?: number; readonly keptAs?: string };

/** Why a data key could not be had here. */
export type DataKeyProblem =
  MasterKeyUnavailable | { readonly _tag: "DataKeyDoesNotOpen" } | { readonly _tag: "DataKeyDestroyed" };

const DECRYPTION_FAILED = { _tag: "DecryptionFailed" } as const;
export const ENCRYPTION_FAILED = { _tag: "EncryptionFailed" } as const;

/** Unwraps `wrapped` (the key of version `ctx`, by version), runs `use` with the data key, and wipes the key. */
export const withDataKey = async <T>(
  keyring: Keyring,
  wrapped: WrappedDataKey,
  ctx: VersionContext,
  use: (dataKey: Buffer) => T | Promise<T>,
): Promise<E.Either<DataKeyProblem, T>> => {
  const unwrapping = keyring.forUnwrapping(wrapped.keyId, wrapped.generation);
  if (E.isLeft(unwrapping))
    return E.left({ _tag: "MasterKeyUnavailable", keyId: wrapped.keyId, generation: wrapped.generation });
  return usingKey(() => unwrapDataKey(unwrapping.right.material, wrapped.wrapped, ctx), use);
};

/** Runs `use` with the data key `unwrap` gives, and wipes it whatever happens. */
const usingKey = async <T>(
  unwrap: () => Buffer,
  use: (dataKey: Buffer) => T | Promise<T>,
): Promise<E.Either<DataKeyProblem, T>> => {
  let dataKey: Buffer;
  try {
    dataKey = unwrap();
  } catch (e) {
    if (e instanceof DecryptionError) return E.left({ _tag: "DataKeyDoesNotOpen" });
    throw e;
  }
  try {
    return E.right(await use(dataKey));
  } finally {
    dataKey.fill(0);
  }
};

/**
 * Version `versionId`'s data key, found where `ref` says (a replica's: in the key store by version), unwrapped
 * for `use`: beside the value, under the secret's key of the value's epoch, or wrapped anew in a later key of the
 * secret (the newest first). None of them: the version was pruned or deleted (its keys were destroyed).
 */
export const usingDataKey = async <T>(
  source: KeySource,
  holder: KeyHolder,
  versionId: VersionId,
  ref: DataKeyRef,
  use: (dataKey: Buffer) => T | Promise<T>,
): Promise<E.Either<DataKeyProblem, T>> => {
  const ctx: VersionContext = { arn: holder.arn, versionId };
  if (ref.in === "key-store") {
    const keptAs = holder.keptAs ?? holder.arn;
    const wrapped = await source.keys.get(keptAs, versionId);
    if (wrapped === undefined) return E.left({ _tag: "DataKeyDestroyed" });
    return withDataKey(source.keyring(), wrapped, { arn: keptAs, versionId }, use);
  }
  const known = source.secretKeys.knownDataKey(holder.arn, versionId);
  if (known !== undefined) return E.isLeft(known) ? known : E.right(await use(known.right));
  let problem: DataKeyProblem = { _tag: "DataKeyDestroyed" };
  for (let epoch = holder.keyEpoch ?? ref.epoch; epoch >= ref.epoch; epoch--) {
    const secretKey = await source.secretKeys.get(holder.arn, epoch);
    if (E.isLeft(secretKey)) {
      if (secretKey.left._tag === "MasterKeyUnavailable") problem = secretKey.left;
      else if (secretKey.left._tag === "SecretKeyDoesNotOpen") problem = { _tag: "DataKeyDoesNotOpen" };
      continue;
    }
    const wrapped = epoch === ref.epoch ? ref.wrapped : secretKey.right.rewrapped[versionId];
    if (wrapped !== undefined)
      return usingKey(
        () => unwrapDataKey(secretKey.right.key, wrapped, ctx),
        (dataKey) => {
          source.secretKeys.rememberDataKey(holder.arn, versionId, dataKey, secretKey.right);
          return use(dataKey);
        },
      );
  }
  return E.left(problem);
};

/** As usingDataKey, failing as the API does (DecryptionFailed) when the data key cannot be had. */
export const usingVersionKey = async <T>(
  sealing: KeySource,
  holder: KeyHolder,
  versionId: VersionId,
  ref: DataKeyRef,
  use: (dataKey: Buffer) => T | Promise<T>,
): Promise<E.Either<ServiceError, T>> =>
  E.mapLeft((): ServiceError => DECRYPTION_FAILED)(await usingDataKey(sealing, holder, versionId, ref, use));

/**
 * A version's value, read where `ref` places it (from `values`: the log the holder's state was folded from) and
 * opened; `sealedFor`: the ARN it was sealed for, when not the holder's (a replica's primary). The plaintext is never
 * kept: each read opens the ciphertext (one AES-GCM operation once the data key is known).
 */
export const openSealed = async (
  sealing: KeySource,
  values: ValueReader,
  holder: KeyHolder,
  versionId: VersionId,
  ref: ValueRef,
  sealedFor: string = holder.arn,
): Promise<E.Either<ServiceError, Buffer>> => {
  const read = await values.sealed(versionId, ref);
  if (E.isLeft(read)) return read;
  const sealed = read.right;
  return usingVersionKey(sealing, holder, versionId, sealed.key, (dataKey) =>
    openValue(dataKey, sealed, { arn: sealedFor, versionId }),
  );
};

/** `dataKey` wrapped under the master key `wrapping` for version `ctx`, to be kept in the key store by version. */
export const wrapWith = (
  wrapping: { readonly keyId: string; readonly generation: number; readonly material: Buffer },
  dataKey: Buffer,
  ctx: VersionContext,
): WrappedDataKey => ({
  keyId: wrapping.keyId,
  generation: wrapping.generation,
  wrapped: wrapDataKey(wrapping.material, dataKey, ctx),
});

/**
 * A new key for secret `after` (a command's outcome, before the key's replacement is recorded), under its
 * KmsKeyId, holding the data keys (in the log) of `carrying`. After a pruning, the old keys, erased once the
 * replacement is in the log, take every other version's data key with them. Returns the new key's epoch. A version
 * to carry whose data key cannot be had refuses it: it would be lost.
 */
export const newSecretKey = async (
  sealing: Sealing,
  after: ActiveSecret,
  carrying: Carrying,
  pending: ReadonlyArray<SecretEvent>,
): Promise<E.Either<ServiceError, number>> => {
  const labelled = new Set(after.labels.values());
  const dataKeys = new Map<string, Buffer>();
  try {
    for (const version of after.versions.values()) {
      if (version.value?.key.in !== "log") continue;
      if (carrying === "labelled versions" && !labelled.has(version.versionId)) continue;
      const sealed = await sealing.values.sealed(version.versionId, version.value, pending);
      if (E.isLeft(sealed)) return sealed;
      const copied = await usingDataKey(sealing, after, version.versionId, sealed.right.key, (k) => Buffer.from(k));
      if (E.isLeft(copied)) return E.left(ENCRYPTION_FAILED);
      dataKeys.set(version.versionId, copied.right);
    }
    return E.mapLeft((): ServiceError => ENCRYPTION_FAILED)(
      await sealing.secretKeys.make(after.arn, (after.keyEpoch ?? 0) + 1, after.kmsKeyId, { dataKeys }),
    );
  } finally {
    for (const k of dataKeys.values()) k.fill(0);
  }
};

/** A request's value members, before sealing. */
export type PlainValues = { readonly SecretString?: string; readonly SecretBinary?: Buffer };

/** The request's values sealed, as commands carry them. */
export type SealedValues = { readonly secretString?: SealedValue; readonly secretBinary?: SealedValue };

/** What to seal: a request's values, for version `token` of secret `arn` (as `state` holds it), under `kmsKeyId`. */
export type SealRequest = {
  readonly state: SecretState;
  readonly arn: string | undefined;
  readonly token: VersionId | undefined;
  readonly values: PlainValues;
  readonly kmsKeyId: string | undefined;
};

/**
 * Seals the request's value(s) for version `token` of secret `arn`. A token that already names a version is
 * sealed under that version's own data key, so the decider can compare fingerprints; a new one gets a fresh
 * data key, wrapped under the secret's key (the secret's first key is made now, under the master key `kmsKeyId`
 * names). No `arn` (a secret gone meanwhile): nothing sealed, and the decider refuses the command without values.
 */
const sealValues = async (
  sealing: Sealing,
  { state, arn, token, values: input, kmsKeyId }: SealRequest,
): Promise<E.Either<ServiceError, SealedValues>> => {
  const plain: Array<{ readonly kind: SealedValue["kind"]; readonly bytes: Buffer }> = [];
  if (input.SecretString !== undefined) plain.push({ kind: "string", bytes: Buffer.from(input.SecretString, "utf8") });
  if (input.SecretBinary !== undefined) plain.push({ kind: "binary", bytes: input.SecretBinary });
  if (arn === undefined || plain.length === 0) return E.right({});
  const sealAll = (dataKey: Buffer, key: DataKeyRef): SealedValues => {
    const ctx: VersionContext = { arn, versionId: token ?? "" };
    const values: { secretString?: SealedValue; secretBinary?: SealedValue } = {};
    for (const p of plain) {
      const sealed = sealValue(dataKey, p.kind, p.bytes, ctx, key);
      if (p.kind === "string") values.secretString = sealed;
      else values.secretBinary = sealed;
    }
    return values;
  };
  const secret = state.status === "active" && state.arn === arn ? state : undefined;
  // A version that holds a value keeps its key (the same value again is then recognised); an empty one gets one.
  const existingRef = token === undefined ? undefined : secret?.versions.get(token)?.value;
  if (existingRef !== undefined && token !== undefined) {
    const existing = await sealing.values.sealed(token, existingRef);
    if (E.isLeft(existing)) return existing;
    const { key } = existing.right;
    return usingVersionKey(sealing, secret as ActiveSecret, token, key, (k) => sealAll(k, key));
  }
  // Without a token the decider refuses the command; the values are sealed under a throwaway key only so that
  // it sees which were given.
  if (token === undefined)
    return E.mapLeft((): ServiceError => ENCRYPTION_FAILED)(
      await usingKey(newDataKey, (k) => sealAll(k, { in: "key-store" })),
    );
  const epoch = await currentSecretKey(sealing, arn, secret?.keyEpoch, kmsKeyId);
  if (E.isLeft(epoch)) return E.left(ENCRYPTION_FAILED);
  const secretKey = await sealing.secretKeys.get(arn, epoch.right);
  if (E.isLeft(secretKey)) return E.left(ENCRYPTION_FAILED);
  const dataKey = newDataKey();
  try {
    const wrapped = wrapDataKey(secretKey.right.key, dataKey, { arn, versionId: token });
    return E.right(sealAll(dataKey, { in: "log", epoch: epoch.right, wrapped }));
  } finally {
    dataKey.fill(0);
  }
};

/**
 * The epoch of the secret's key a new version's data key is wrapped under: the secret's key now, unless the
 * master key `kmsKeyId` names has new material since it was made (a rotated master key wraps what is new, as KMS
 * does): then a new key of the next epoch is made, as the secret's first key is (another writer may make it
 * first; the older keys stay, for the older versions).
 */
const currentSecretKey = async (
  sealing: Sealing,
  arn: string,
  keyEpoch: number | undefined,
  kmsKeyId: string | undefined,
): Promise<E.Either<unknown, number>> => {
  const wrapping = sealing.keyring().forWrapping(kmsKeyId);
  if (E.isLeft(wrapping)) return wrapping;
  if (keyEpoch !== undefined) {
    const now = await sealing.secretKeys.get(arn, keyEpoch);
    if (E.isLeft(now)) return now;
    if (now.right.keyId === wrapping.right.keyId && now.right.generation === wrapping.right.generation)
      return E.right(keyEpoch);
  }
  return sealing.secretKeys.make(arn, (keyEpoch ?? 0) + 1, kmsKeyId, { reuse: true });
};

/** A command built around the request's sealed values. */
export const sealedCommand = async (
  sealing: Sealing,
  request: SealRequest,
  build: (values: SealedValues) => SecretCommand,
): Promise<E.Either<ServiceError, SecretCommand>> => E.map(build)(await sealValues(sealing, request));
