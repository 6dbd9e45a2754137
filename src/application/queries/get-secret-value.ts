import * as E from "fp-ts/lib/Either.js";
import { selectVersion, type FilledVersion } from "../../domain/queries.js";
import { initialState, type ActiveSecret } from "../../domain/state.js";
import type { StagingLabel, VersionId } from "../../domain/types.js";
import { recordAccess } from "../commands/record-access.js";
import type { ServiceError } from "../errors.js";
import { served } from "../lookup.js";
import { openSealed } from "../sealing.js";
import type { Service } from "../service.js";

export type GetSecretValueInput = {
  readonly SecretId: string;
  readonly VersionId?: string;
  readonly VersionStage?: string;
};

/** A secret's version and its value, opened. */
export type SecretValue = {
  readonly secret: ActiveSecret;
  readonly version: FilledVersion;
  readonly plaintext: Buffer;
};

/** GetSecretValue: the version asked for (AWSCURRENT unless a VersionId or VersionStage is given), opened. */
export const getSecretValue = async (
  service: Service,
  input: GetSecretValueInput,
): Promise<E.Either<ServiceError, SecretValue>> => {
  const found = served(service, input.SecretId);
  const selected = selectVersion(found?.state ?? initialState, {
    ...(input.VersionId === undefined ? {} : { versionId: input.VersionId as VersionId }),
    ...(input.VersionStage === undefined ? {} : { versionStage: input.VersionStage as StagingLabel }),
  });
  if (E.isLeft(selected)) return selected;
  const { secret, version } = selected.right;
  const replica = found?.replica;
  const plaintext =
    replica === undefined
      ? await openSealed(service, service.values, secret, version.versionId, version.value)
      : await openSealed(replica.source, replica.source.values, replica.holder, version.versionId, version.value);
  if (E.isLeft(plaintext)) return plaintext;
  // A replica's reads are not recorded: its log is the primary's, written only there.
  if (replica === undefined) await recordAccess(service, secret.name, version);
  return E.right({ secret, version, plaintext: plaintext.right });
};
