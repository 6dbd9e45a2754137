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
import type { SecretCommand } from "../domain/commands.js";
import type { SecretState } from "../domain/state.js";
import type { SealedValue, VersionId } from "../domain/types.js";
import type { WrappedDataKey } from "../store/key-store.js";
import type { ServiceError } from "./errors.js";
import type { Prepared } from "./handle-command.js";
import type { DataKeyStore, WrappedKey } from "./ports.js";

// Envelope encryption as the use cases need it: each version's value sealed under a data key of its own, that
// key wrapped under a master key of the keyring and kept in the key store. A plaintext data key lives only
// inside withDataKey (or while a new one seals), and is always wiped.

/** What sealing and opening need: the key store and the keyring as it is now (re-read when its file changes). */
export type Sealing = { readonly keys: DataKeyStore; readonly keyring: () => Keyring };

/** Why a wrapped data key could not be unwrapped here. */
export type DataKeyProblem = { readonly _tag: "MasterKeyUnavailable" } | { readonly _tag: "DataKeyDoesNotOpen" };

const DECRYPTION_FAILED = { _tag: "DecryptionFailed" } as const;

/** Unwraps `wrapped` (the key of version `ctx`), runs `use` with the data key, and wipes the key whatever happens. */
export const withDataKey = async <T>(
  keyring: Keyring,
  wrapped: WrappedDataKey,
  ctx: VersionContext,
  use: (dataKey: Buffer) => T | Promise<T>,
): Promise<E.Either<DataKeyProblem, T>> => {
  const unwrapping = keyring.forUnwrapping(wrapped.keyId, wrapped.generation);
  if (E.isLeft(unwrapping)) return E.left({ _tag: "MasterKeyUnavailable" });
  let dataKey: Buffer;
  try {
    dataKey = unwrapDataKey(unwrapping.right.material, wrapped.wrapped, ctx);
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

/** Version `ctx`'s data key from the key store, unwrapped for `use`; DecryptionFailed when it cannot be. */
export const usingVersionKey = async <T>(
  sealing: Sealing,
  ctx: VersionContext,
  use: (dataKey: Buffer) => T | Promise<T>,
): Promise<E.Either<ServiceError, T>> => {
  const wrapped = await sealing.keys.get(ctx.arn, ctx.versionId);
  if (wrapped === undefined) return E.left(DECRYPTION_FAILED);
  try {
    return E.mapLeft((): ServiceError => DECRYPTION_FAILED)(await withDataKey(sealing.keyring(), wrapped, ctx, use));
  } catch (e) {
    if (e instanceof DecryptionError) return E.left(DECRYPTION_FAILED);
    throw e;
  }
};

/** A version's value: its data key found for `ctx`; the value sealed for `sealedFor` (a replica's primary). */
export const openSealed = (
  sealing: Sealing,
  ctx: VersionContext,
  sealed: SealedValue,
  sealedFor: VersionContext = ctx,
): Promise<E.Either<ServiceError, Buffer>> =>
  usingVersionKey(sealing, ctx, (dataKey) => openValue(dataKey, sealed, sealedFor));

/** `dataKey` wrapped under the master key `wrapping` for version `ctx`. */
export const wrapWith = (
  wrapping: { readonly keyId: string; readonly generation: number; readonly material: Buffer },
  dataKey: Buffer,
  ctx: VersionContext,
): WrappedDataKey => ({
  keyId: wrapping.keyId,
  generation: wrapping.generation,
  wrapped: wrapDataKey(wrapping.material, dataKey, ctx),
});

/** A request's value members, before sealing. */
export type PlainValues = { readonly SecretString?: string; readonly SecretBinary?: Buffer };

/** The request's values sealed, as commands carry them, with the wrapped key of a new version. */
export type SealedValues = {
  readonly values: { readonly secretString?: SealedValue; readonly secretBinary?: SealedValue };
  readonly wrappedKeys: ReadonlyArray<WrappedKey>;
};

export const NOTHING_SEALED: SealedValues = { values: {}, wrappedKeys: [] };

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
 * data key, wrapped under the master key `kmsKeyId` names. No `arn` (a secret gone meanwhile): nothing sealed,
 * and the decider refuses the command without values.
 */
const sealValues = async (
  sealing: Sealing,
  { state, arn, token, values: input, kmsKeyId }: SealRequest,
): Promise<E.Either<ServiceError, SealedValues>> => {
  const plain: Array<{ readonly kind: SealedValue["kind"]; readonly bytes: Buffer }> = [];
  if (input.SecretString !== undefined) plain.push({ kind: "string", bytes: Buffer.from(input.SecretString, "utf8") });
  if (input.SecretBinary !== undefined) plain.push({ kind: "binary", bytes: input.SecretBinary });
  if (arn === undefined || plain.length === 0) return E.right(NOTHING_SEALED);
  // Without a token the decider refuses the command; the values are sealed under a throwaway key only so
  // that it sees which were given.
  const ctx: VersionContext = { arn, versionId: token ?? "" };
  const sealAll = (dataKey: Buffer): SealedValues["values"] => {
    const values: { secretString?: SealedValue; secretBinary?: SealedValue } = {};
    for (const p of plain) {
      const sealed = sealValue(dataKey, p.kind, p.bytes, ctx);
      if (p.kind === "string") values.secretString = sealed;
      else values.secretBinary = sealed;
    }
    return values;
  };
  // A version that holds a value keeps its key (the same value again is then recognised); an empty one gets one.
  if (token !== undefined && state.status === "active" && state.versions.get(token)?.value !== undefined)
    return E.map((values: SealedValues["values"]) => ({ values, wrappedKeys: [] }))(
      await usingVersionKey(sealing, ctx, sealAll),
    );
  const wrapping = token === undefined ? undefined : sealing.keyring().forWrapping(kmsKeyId);
  if (wrapping !== undefined && E.isLeft(wrapping)) return E.left({ _tag: "EncryptionFailed" });
  const dataKey = newDataKey();
  try {
    const wrappedKeys =
      token === undefined || wrapping === undefined
        ? []
        : [{ arn, versionId: token, key: wrapWith(wrapping.right, dataKey, ctx) }];
    return E.right({ values: sealAll(dataKey), wrappedKeys });
  } finally {
    dataKey.fill(0);
  }
};

/** A command built around the request's sealed values, with the wrapped key of its new version. */
export const sealedCommand = async (
  sealing: Sealing,
  request: SealRequest,
  build: (values: SealedValues["values"]) => SecretCommand,
): Promise<E.Either<ServiceError, Prepared>> =>
  E.map((s: SealedValues): Prepared => ({ command: build(s.values), wrappedKeys: s.wrappedKeys }))(
    await sealValues(sealing, request),
  );
