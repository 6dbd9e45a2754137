import * as E from "fp-ts/lib/Either.js";
import type {
  PromoteReplica,
  RemoveRegionsFromReplication,
  ReplicateSecretToRegions,
  Replication,
} from "./commands.js";
import { live, type Decision } from "./decision.js";
import {
  event,
  labelMoved,
  secretCreated,
  type ReplicaRegionsAdded,
  type ReplicaRegionsRemoved,
  type ResourcePolicyPut,
  type VersionCreated,
} from "./events.js";
import type { ActiveSecret, SecretState } from "./state.js";
import type { Millis } from "./types.js";

// The secret decider's rules about replication to other regions, and a replica's promotion.

/**
 * Replication to more regions: never to the secret's own region, each region once. A region that is already a
 * replica with the same settings changes nothing; with another KmsKeyId (or ForceOverwriteReplicaSecret) it is
 * added anew.
 */
export const addReplicaRegions = (secret: ActiveSecret | undefined, cmd: Replication, now: Millis): Decision => {
  const regions = cmd.regions.map((r) => r.region);
  if (regions.includes(cmd.homeRegion) || regions.includes("") || new Set(regions).size !== regions.length)
    return E.left({ _tag: "InvalidReplicaRegion" });
  const existing = new Map((secret?.replicas ?? []).map((r) => [r.region, r]));
  const added = cmd.regions
    .map((r) => ({
      region: r.region,
      ...(r.kmsKeyId === undefined ? {} : { kmsKeyId: r.kmsKeyId }),
      ...(cmd.forceOverwrite === true ? { forceOverwrite: true } : {}),
    }))
    .filter((r) => {
      const before = existing.get(r.region);
      return (
        before === undefined || before.kmsKeyId !== r.kmsKeyId || (r.forceOverwrite === true && !before.forceOverwrite)
      );
    });
  return E.right(
    added.length === 0 ? [] : [event<ReplicaRegionsAdded>("ReplicaRegionsAdded", { regions: added }, now)],
  );
};

export const replicateSecretToRegions = (cmd: ReplicateSecretToRegions["data"], state: SecretState): Decision => {
  const secret = live(state);
  if (E.isLeft(secret)) return secret;
  return addReplicaRegions(secret.right, cmd, cmd.now);
};

/** Removing a region the secret is not replicated to changes nothing, as on AWS. */
export const removeRegionsFromReplication = (
  cmd: RemoveRegionsFromReplication["data"],
  state: SecretState,
): Decision => {
  if (cmd.promoted !== undefined) {
    // A promotion report is acted on only for the addition it came from: the region may have been added anew.
    if (state.status !== "active") return E.right([]);
    const current = new Map((state.replicas ?? []).map((r) => [r.region, r.addedAt]));
    const regions = cmd.regions.filter((region) => current.get(region) === cmd.promoted?.addedAt);
    return E.right(
      regions.length === 0
        ? []
        : [event<ReplicaRegionsRemoved>("ReplicaRegionsRemoved", { regions, promoted: true }, cmd.now)],
    );
  }
  const secret = live(state);
  if (E.isLeft(secret)) return secret;
  const present = new Set((secret.right.replicas ?? []).map((r) => r.region));
  const regions = [...new Set(cmd.regions)].filter((region) => present.has(region));
  return E.right(
    regions.length === 0 ? [] : [event<ReplicaRegionsRemoved>("ReplicaRegionsRemoved", { regions }, cmd.now)],
  );
};

/** The replica becomes a secret of this region's log: the same name, ARN, metadata, versions and labels. */
export const promoteReplica = (cmd: PromoteReplica["data"], state: SecretState): Decision => {
  const { replica, now } = cmd;
  if (state.status === "active") return E.left({ _tag: "SecretAlreadyExists", name: replica.name });
  return E.right([
    secretCreated(
      {
        name: replica.name,
        arn: replica.arn,
        ...(replica.description === undefined ? {} : { description: replica.description }),
        ...(replica.kmsKeyId === undefined ? {} : { kmsKeyId: replica.kmsKeyId }),
        ...(replica.tags === undefined ? {} : { tags: replica.tags }),
        promotedFrom: cmd.promotedFrom,
      },
      now,
    ),
    ...replica.versions.map((v) => event<VersionCreated>("VersionCreated", v, now)),
    ...replica.labels.map(([label, versionId]) => labelMoved(label, undefined, versionId, now)),
    ...(replica.resourcePolicy === undefined
      ? []
      : [event<ResourcePolicyPut>("ResourcePolicyPut", { policy: replica.resourcePolicy }, now)]),
  ]);
};
