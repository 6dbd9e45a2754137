import type { ActiveSecret, Replica } from "../domain/state.js";
import type { ValueRef, VersionId } from "../domain/types.js";
import type { ReplicationReport } from "../store/replication-reports.js";

/** Where a replica's keys were copied (the key store, by when it was made) and what wraps them there. */
export type Copied = NonNullable<ReplicationReport["keys"]>;

/**
 * What is known, without reading the replica region's key store, of the copy there of each version's key:
 * "here" (copied, wrapped as it would be now), "none" (not copied: another server of the region may have, and a
 * second copy does no harm, a destruction erases every copy) or "check" (read it).
 */
export type KnownCopies = (versionId: VersionId, value: ValueRef | undefined) => "here" | "none" | "check";

/**
 * What the last report a replica region sent about a secret (`sent`) says of the copies of its keys there: the
 * key of each version whose value the log held when the report was sent was copied then, into the key store it
 * names, wrapped as it says. `state` is the primary's secret now, `replica` its settings for the region, `copied`
 * where and how its keys would be copied now.
 */
export const copiesReported = (
  sent: ReplicationReport | undefined,
  state: ActiveSecret,
  replica: Replica,
  copied: Copied,
): KnownCopies => {
  if (sent?.status !== "InSync" || sent.arn !== state.arn || sent.addedAt !== replica.addedAt) return () => "none";
  // A report from before reports said where the keys went: each is read.
  if (sent.keys === undefined)
    return (_versionId, value) => (value?.seq === undefined || value.seq > sent.seq ? "none" : "check");
  // The key store was made again since (its keys lost): none of those copies is there.
  if (sent.keys.store !== copied.store) return () => "none";
  const alike = sent.keys.keyId === copied.keyId && sent.keys.generation === copied.generation;
  return (_versionId, value) => (value?.seq === undefined || value.seq > sent.seq ? "none" : alike ? "here" : "check");
};
