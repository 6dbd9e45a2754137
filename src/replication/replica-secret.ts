import type { KeyHolder, KeySource } from "../application/sealing.js";
import type { ActiveSecret, Replica } from "../domain/state.js";

/** A replica as this region serves it: the primary's secret under this region's ARN and KmsKeyId. */
export type ReplicaSecret = {
  readonly state: ActiveSecret;
  /** The primary secret's ARN: what its values are sealed for. */
  readonly primaryArn: string;
  readonly primaryRegion: string;
  /** Where its values are read (the primary's log as mirrored here) and opened (the keys copied here). */
  readonly source: KeySource;
  /** Whose keys open its values: the primary secret's, as copied here (and its own, those kept by version). */
  readonly holder: KeyHolder;
};

/** The same ARN in another region: a replica's ARN. Secret names hold no `:`, so the fourth field is the region. */
export const arnInRegion = (arn: string, region: string): string => {
  const parts = arn.split(":");
  parts[3] = region;
  return parts.join(":");
};

/**
 * The primary's secret `state` as its replica in `region` shows it: this region's ARN and KmsKeyId, no replica list
 * of its own; its values read and opened through `source`.
 */
export const replicaSecret = (
  state: ActiveSecret,
  replica: Replica,
  primaryRegion: string,
  region: string,
  source: KeySource,
): ReplicaSecret => {
  const { replicas: _replicas, kmsKeyId: _primaryKey, ...shared } = state;
  const arn = arnInRegion(state.arn, region);
  return {
    state: { ...shared, arn, ...(replica.kmsKeyId === undefined ? {} : { kmsKeyId: replica.kmsKeyId }) },
    primaryArn: state.arn,
    primaryRegion,
    source,
    holder: { arn: state.arn, ...(state.keyEpoch === undefined ? {} : { keyEpoch: state.keyEpoch }), keptAs: arn },
  };
};
