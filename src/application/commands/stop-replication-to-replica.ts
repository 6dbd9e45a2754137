import * as E from "fp-ts/lib/Either.js";
import { openValue, sealValue, type VersionContext } from "../../crypto/envelope.js";
import { parseSecretId } from "../../domain/queries.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { SealedValue, VersionId } from "../../domain/types.js";
import type { ServiceError } from "../errors.js";
import { prepared, type Executed } from "../handle-command.js";
import { active } from "../lookup.js";
import { usingVersionKey } from "../sealing.js";
import type { Service } from "../service.js";

/**
 * StopReplicationToReplica, in a replica's region: the replica, as served here, becomes a secret of this
 * region's log that accepts writes. Each version keeps its data key (already here, under the replica's key)
 * and its value is sealed anew for this region's ARN; the primary is told, and stops replicating it here.
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
      const versions: Array<{ versionId: VersionId; createdAt: number; value?: SealedValue }> = [];
      for (const version of secret.versions.values()) {
        // An empty version (a rotation's, not yet filled) stays empty.
        if (version.value === undefined) {
          versions.push({ versionId: version.versionId, createdAt: version.createdAt });
          continue;
        }
        const read = await replica.values.sealed(version.versionId, version.value);
        if (E.isLeft(read)) return read;
        const sealed = read.right;
        // The replica's data keys are in this region's key store, by version: the promoted secret's stay there.
        const ctx: VersionContext = { arn: secret.arn, versionId: version.versionId };
        const byVersion = { in: "key-store" } as const;
        const resealed = await usingVersionKey(
          service,
          { arn: secret.arn, byVersion: true },
          version.versionId,
          byVersion,
          (dataKey) =>
            sealValue(
              dataKey,
              sealed.kind,
              openValue(dataKey, sealed, { arn: primaryArn, versionId: version.versionId }),
              ctx,
              byVersion,
            ),
        );
        if (E.isLeft(resealed)) return resealed;
        versions.push({ versionId: version.versionId, createdAt: version.createdAt, value: resealed.right });
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
