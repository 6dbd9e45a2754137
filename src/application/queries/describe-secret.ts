import * as E from "fp-ts/lib/Either.js";
import type { ReplicationStatus } from "../../replication/replication-monitor.js";
import type { ServiceError } from "../errors.js";
import { primaryRegionOf, replicationStatusOf, served } from "../lookup.js";
import type { Listed } from "../paging.js";
import type { Service } from "../service.js";

export type DescribeSecretInput = { readonly SecretId: string };

/** A secret's metadata, and for a primary replicated elsewhere how it stands in those regions. */
export type SecretDescription = Listed & { readonly replicationStatus?: ReadonlyArray<ReplicationStatus> };

/** DescribeSecret: a secret of this region, or a replica served here. */
export const describeSecret = (
  service: Service,
  input: DescribeSecretInput,
): E.Either<ServiceError, SecretDescription> => {
  const found = served(service, input.SecretId);
  if (found === undefined) return E.left({ _tag: "SecretNotFound" });
  return E.right({
    ...found,
    primaryRegion: primaryRegionOf(service, found),
    ...(found.replica === undefined && (found.state.replicas ?? []).length > 0
      ? { replicationStatus: replicationStatusOf(service, found.state) }
      : {}),
  });
};
