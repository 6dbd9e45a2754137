import * as E from "fp-ts/lib/Either.js";
import type { PruneVersions, VersionPolicy } from "./commands.js";
import type { Decision } from "./decision.js";
import type { SecretError } from "./errors.js";
import { event, type VersionsPruned } from "./events.js";
import type { ActiveSecret, SecretState } from "./state.js";
import type { Millis, VersionId } from "./types.js";

// The version policy's pruning: which versions a secret may let go, and the compactor's command.

/** The compactor's command: prunes what the version policy lets go (nothing on a secret that is gone). */
export const pruneVersions = (cmd: PruneVersions["data"], state: SecretState): Decision => {
  if (state.status !== "active") return E.right([]);
  const pruned = prunableVersions(state, cmd.now, cmd.versionPolicy);
  return E.right(pruned.length === 0 ? [] : [versionsPruned(state, pruned, cmd.now)]);
};

/**
 * The versions the policy lets go, oldest first: none while the secret holds no more than `keep`; then only
 * versions with no staging label created more than `minAgeMs` ago, until `keep` remain or none is eligible.
 */
export const prunableVersions = (state: ActiveSecret, now: Millis, policy: VersionPolicy): ReadonlyArray<VersionId> => {
  const excess = state.versions.size - policy.keep;
  if (excess <= 0) return [];
  const labelled = new Set(state.labels.values());
  return [...state.versions.values()]
    .filter((v) => !labelled.has(v.versionId) && v.createdAt < now - policy.minAgeMs)
    .sort((a, b) => a.createdAt - b.createdAt)
    .slice(0, excess)
    .map((v) => v.versionId);
};

/**
 * The version quota, for a command that adds a version: a full secret first prunes what the policy lets go (the
 * events that do it, to come first); if that frees no room, the command is refused.
 */
export const roomForVersion = (
  state: ActiveSecret,
  policy: VersionPolicy,
  now: Millis,
): E.Either<SecretError, ReadonlyArray<VersionsPruned>> => {
  const pruned = state.versions.size >= policy.quota ? prunableVersions(state, now, policy) : [];
  if (state.versions.size - pruned.length >= policy.quota)
    return E.left({ _tag: "VersionQuotaExceeded", quota: policy.quota });
  return E.right(pruned.length === 0 ? [] : [versionsPruned(state, pruned, now)]);
};

export const versionsPruned = (
  state: ActiveSecret,
  versionIds: ReadonlyArray<VersionId>,
  now: Millis,
): VersionsPruned => event<VersionsPruned>("VersionsPruned", { arn: state.arn, versionIds }, now);
