import * as E from "fp-ts/lib/Either.js";
import { openValue, sealValue, type VersionContext } from "../../crypto/envelope.js";
import { parseSecretId } from "../../domain/queries.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { SealedValue, VersionId } from "../../domain/types.js";
import type { ServiceError } from "../errors.js";
import { prepared, type Executed } from "../handle-command.js";
import { active } from "../lookup.js";
import { ENCRYPTION_FAILED, usingVersionKey, wrapWith } from "../sealing.js";
import type { Service } from "../service.js";

/**
 * StopReplicationToReplica, in a replica's region: the replica, as served here, becomes a secret of this
 * region's log that accepts writes. Each version keeps its data key, kept here by version from then on (wrapped
 * under the replica's KmsKeyId), and its value is sealed anew for this region's ARN; the primary is told, and stops
 * replicating it here.
 */
export const stopReplicationToReplica = async (
  service: Service,
  input: { readonly SecretId: string },
): Promise<E.Either<ServiceError, ActiveSecret>> => {
  const reference = parseSecretId(input.SecretId, service.home);
  if (service.catalog.resolve(reference) !== undefined) return E.left({ _tag: "NotAReplica" });
  const replica = service.replicas.resolve(reference);
  if (replica === undefined) return E.left({ _tag: "SecretNotFound" });
  const { state: secret, primaryArn } = replica;
  const result = await service.commands.handleCommand(
    secret.name,
    { kind: "name", name: secret.name },
    "PromoteReplica",
    async (_state, now) => {
      // Its data keys are kept by version, as its own, under its KmsKeyId (they were under its primary's keys).
      const wrapping = service.keyring().forWrapping(secret.kmsKeyId);
      if (E.isLeft(wrapping)) return E.left(ENCRYPTION_FAILED);
      const versions: Array<{ versionId: VersionId; createdAt: number; value?: SealedValue }> = [];
      for (const version of secret.versions.values()) {
        const { versionId, createdAt } = version;
        // An empty version (a rotation's, not yet filled) stays empty.
        if (version.value === undefined) {
          versions.push({ versionId, createdAt });
          continue;
        }
        const read = await replica.source.values.sealed(versionId, version.value);
        if (E.isLeft(read)) return read;
        const sealed = read.right;
        const ctx: VersionContext = { arn: secret.arn, versionId };
        const resealed = await usingVersionKey(replica.source, replica.holder, versionId, sealed.key, (dataKey) => ({
          value: sealValue(dataKey, sealed.kind, openValue(dataKey, sealed, { arn: primaryArn, versionId }), ctx, {
            in: "key-store",
          }),
          wrapped: wrapWith(wrapping.right, dataKey, ctx),
        }));
        if (E.isLeft(resealed)) return resealed;
        // One kept by version already (a value from before event schema 2) was copied as the replica's.
        if (sealed.key.in === "log") await service.keys.put(secret.arn, versionId, resealed.right.wrapped);
        versions.push({ versionId, createdAt, value: resealed.right.value });
      }
      return prepared({
        type: "PromoteReplica",
        data: {
          replica: {
            name: secret.name,
            arn: secret.arn,
            ...(secret.description === undefined ? {} : { description: secret.description }),
            ...(secret.kmsKeyId === undefined ? {} : { kmsKeyId: secret.kmsKeyId }),
            ...(secret.tags === undefined ? {} : { tags: secret.tags }),
            ...(secret.resourcePolicy === undefined ? {} : { resourcePolicy: secret.resourcePolicy }),
            versions,
            labels: [...secret.labels],
          },
          promotedFrom: primaryArn,
          now,
        },
      });
    },
  );
  return E.map(({ state }: Executed) => active(state))(result);
};
