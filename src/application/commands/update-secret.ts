import * as E from "fp-ts/lib/Either.js";
import type { ActiveSecret } from "../../domain/state.js";
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, type VersionId } from "../../domain/types.js";
import type { ServiceError } from "../errors.js";
import type { Executed } from "../handle-command.js";
import { active, onSecret } from "../lookup.js";
import { ENCRYPTION_FAILED, sealedCommand, usingVersionKey, wrapWith } from "../sealing.js";
import type { Service } from "../service.js";

export type UpdateSecretInput = {
  readonly SecretId: string;
  readonly ClientRequestToken?: string;
  readonly Description?: string;
  readonly KmsKeyId?: string;
  readonly SecretString?: string;
  readonly SecretBinary?: Buffer;
};

/** UpdateSecret: metadata, and with a value a new version labelled AWSCURRENT. */
export const updateSecret = async (
  service: Service,
  input: UpdateSecretInput,
): Promise<E.Either<ServiceError, { readonly secret: ActiveSecret; readonly versionId?: VersionId }>> => {
  const token = input.ClientRequestToken as VersionId | undefined;
  const result = await onSecret(service, input.SecretId, "UpdateSecret", (state, now) => {
    const secret = state.status === "active" ? state : undefined;
    // A new key must be usable before anything changes: it wraps the new version and the labelled ones.
    if (input.KmsKeyId !== undefined && E.isLeft(service.keyring().forWrapping(input.KmsKeyId)))
      return Promise.resolve(E.left(ENCRYPTION_FAILED));
    return sealedCommand(
      service,
      { state, arn: secret?.arn, token, values: input, kmsKeyId: input.KmsKeyId ?? secret?.kmsKeyId },
      (values) => ({
        type: "UpdateSecret",
        data: {
          ...(token === undefined ? {} : { clientRequestToken: token }),
          ...values,
          ...(input.Description === undefined ? {} : { description: input.Description }),
          ...(input.KmsKeyId === undefined ? {} : { kmsKeyId: input.KmsKeyId }),
          versionPolicy: service.versionPolicy,
          now,
        },
      }),
    );
  });
  const done = E.isRight(result) ? result.right.state : undefined;
  // Under the secret's lock, so that a deletion from this server cannot come between reading and re-writing.
  if (E.isRight(result) && done?.status === "active")
    await service.commands.underLock(done.name, () => reencryptLabelledVersions(service, result.right));
  const withValue = input.SecretString !== undefined || input.SecretBinary !== undefined;
  return E.map(({ state }: Executed) => ({
    secret: active(state),
    ...(withValue && token !== undefined ? { versionId: token } : {}),
  }))(result);
};

/**
 * After UpdateSecret changed the KmsKeyId, AWS re-encrypts the versions labelled AWSCURRENT, AWSPENDING and
 * AWSPREVIOUS with the new key. Versions whose data keys are in the log moved with the secret's key, which the
 * command pipeline replaced under the new KmsKeyId (all of them, not only the labelled ones). Those written
 * before event schema 2 have their data keys in the key store by version: the labelled ones are re-wrapped here
 * (the ciphertext in the log stays as it is). A version whose current key cannot unwrap it stays as it was, as on
 * AWS without kms:Decrypt.
 */
const reencryptLabelledVersions = async (service: Service, { state, events }: Executed): Promise<void> => {
  const changed = events.find((e) => e.type === "SecretUpdated" && e.data.kmsKeyId !== undefined);
  if (changed === undefined || state.status !== "active") return;
  const wrapping = service.keyring().forWrapping(state.kmsKeyId);
  if (E.isLeft(wrapping)) return;
  for (const label of [AWSCURRENT, AWSPENDING, AWSPREVIOUS]) {
    const versionId = state.labels.get(label);
    // An empty version (a rotation's, not yet filled) has no key yet: it gets one, under the new key, when filled.
    const ref = versionId === undefined ? undefined : state.versions.get(versionId)?.value?.key;
    if (versionId === undefined || ref?.in !== "key-store") continue;
    const ctx = { arn: state.arn, versionId };
    const rewrapped = await usingVersionKey(service, state, versionId, ref, (dataKey) =>
      service.keys.rewrap(state.arn, versionId, wrapWith(wrapping.right, dataKey, ctx)),
    );
    if (E.isLeft(rewrapped)) {
      service.onBackgroundError(`re-encrypting version ${versionId}`, new Error("its key is not available"));
      continue;
    }
    // A deletion or pruning from another server may have destroyed the key meanwhile: the re-wrap must not
    // bring it back.
    const now = service.catalog.entry(state.name).state;
    if (now.status !== "active" || now.arn !== state.arn || !now.versions.has(versionId))
      await service.keys.destroy(state.arn, versionId);
  }
};
