import * as E from "fp-ts/lib/Either.js";
import type {
  CreateSecret,
  DeleteSecret,
  PutSecretValue,
  SecretCommand,
  UpdateSecret,
  UpdateSecretVersionStage,
  VersionPolicy,
} from "./commands.js";
import type { SecretError } from "./errors.js";
import { live, type Decision } from "./decision.js";
import { attach, moveLabel, type Labels } from "./labels.js";
import { pruneVersions, roomForVersion } from "./pruning.js";
import { replaceSecretKey } from "./secret-key.js";
import { deleteResourcePolicy, putResourcePolicy, tagResource, untagResource } from "./metadata-rules.js";
import {
  abandonedBy,
  cancelRotateSecret,
  completeRotation,
  recordRotationFailure,
  retryRotation,
  rotateSecret,
  startScheduledRotation,
} from "./rotation.js";
import {
  addReplicaRegions,
  promoteReplica,
  removeRegionsFromReplication,
  replicateSecretToRegions,
} from "./replication-rules.js";
import {
  event,
  labelMoved,
  secretCreated,
  versionCreated,
  type DeletionCancelled,
  type DeletionScheduled,
  type SecretAccessed,
  type SecretDeleted,
  type SecretEvent,
  type SecretUpdated,
  type VersionFilled,
} from "./events.js";
import { evolve, initialState, type ActiveSecret, type SecretState, type Version } from "./state.js";
import { AWSCURRENT, AWSPENDING, type Millis, type SealedValue, type StagingLabel, type VersionId } from "./types.js";

/** AWS quota: at most 20 staging labels attached across all versions of one secret. */
export const MAX_STAGING_LABELS = 20;
/** DeleteSecret's recovery window: 7 to 30 days, 30 when not given. */
export const RECOVERY_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A decider in Emmett's and fmodel's shape: `decide` turns a command and the state into events (or refuses it),
 * `evolve` folds one event into the state, starting from `initialState`.
 */
export type Decider<Command, Event, State, Error> = {
  readonly decide: (command: Command, state: State) => E.Either<Error, ReadonlyArray<Event>>;
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: State;
};

/** `[]` means the command was already done (an idempotent retry): success that changes nothing. */
const decide = (command: SecretCommand, state: SecretState): Decision => {
  switch (command.type) {
    case "CreateSecret":
      return createSecret(command.data, state);
    case "PutSecretValue":
      return putSecretValue(command.data, state);
    case "UpdateSecretVersionStage":
      return updateSecretVersionStage(command.data, state);
    case "UpdateSecret":
      return updateSecret(command.data, state);
    case "TagResource":
      return tagResource(command.data, state);
    case "UntagResource":
      return untagResource(command.data, state);
    case "DeleteSecret":
      return deleteSecret(command.data, state);
    case "RestoreSecret":
      return restoreSecret(command.data.now, state);
    case "PurgeDeletedSecret":
      return purgeDeletedSecret(command.data.now, state);
    case "PutResourcePolicy":
      return putResourcePolicy(command.data, state);
    case "DeleteResourcePolicy":
      return deleteResourcePolicy(command.data.now, state);
    case "PruneVersions":
      return pruneVersions(command.data, state);
    case "ReplaceSecretKey":
      return replaceSecretKey(command.data, state);
    case "RecordAccess":
      return recordAccess(command.data.versionId, command.data.now, state);
    case "ReplicateSecretToRegions":
      return replicateSecretToRegions(command.data, state);
    case "RemoveRegionsFromReplication":
      return removeRegionsFromReplication(command.data, state);
    case "PromoteReplica":
      return promoteReplica(command.data, state);
    case "RotateSecret":
      return rotateSecret(command.data, state);
    case "CancelRotateSecret":
      return cancelRotateSecret(command.data, state);
    case "StartScheduledRotation":
      return startScheduledRotation(command.data, state);
    case "RetryRotation":
      return retryRotation(command.data, state);
    case "RecordRotationFailure":
      return recordRotationFailure(command.data, state);
    case "CompleteRotation":
      return completeRotation(command.data, state);
    default: {
      const unknownCommand: never = command;
      return unknownCommand;
    }
  }
};

const createSecret = (cmd: CreateSecret["data"], state: SecretState): Decision => {
  const value = singleValue(cmd, true);
  if (E.isLeft(value)) return value;
  if (cmd.clientRequestToken === undefined) return E.left({ _tag: "ClientRequestTokenMissing" });
  const token = cmd.clientRequestToken;
  if (state.status === "active" && state.deletion !== undefined) return E.left({ _tag: "NameScheduledForDeletion" });
  if (state.status === "active") {
    // A retry of the CreateSecret that made this secret's version `token` succeeds without a change.
    if (value.right !== undefined && state.versions.has(token)) return sameValueOrConflict(state, token, value.right);
    return E.left({ _tag: "SecretAlreadyExists", name: cmd.name });
  }
  const created = secretCreated(
    {
      name: cmd.name,
      arn: cmd.arn,
      ...(cmd.description === undefined ? {} : { description: cmd.description }),
      ...(cmd.kmsKeyId === undefined ? {} : { kmsKeyId: cmd.kmsKeyId }),
      ...(cmd.tags === undefined ? {} : { tags: cmd.tags }),
    },
    cmd.now,
  );
  const replicated =
    cmd.replication === undefined ? E.right([]) : addReplicaRegions(undefined, cmd.replication, cmd.now);
  if (E.isLeft(replicated)) return replicated;
  if (value.right === undefined) return E.right([created, ...replicated.right]);
  return E.right([
    created,
    versionCreated(token, value.right, cmd.now),
    labelMoved(AWSCURRENT, undefined, token, cmd.now),
    ...replicated.right,
  ]);
};

const putSecretValue = (cmd: PutSecretValue["data"], state: SecretState): Decision => {
  const secret = live(state);
  if (E.isLeft(secret)) return secret;
  const value = singleValue(cmd, false);
  if (E.isLeft(value)) return value;
  if (value.right === undefined) return E.left({ _tag: "SecretValueMissing" });
  if (cmd.clientRequestToken === undefined) return E.left({ _tag: "ClientRequestTokenMissing" });
  const token = cmd.clientRequestToken;
  if (isFilledVersion(secret.right, token)) return sameValueOrConflict(secret.right, token, value.right);
  return addVersion(secret.right, token, value.right, cmd.versionStages, cmd.versionPolicy, cmd.now);
};

/** Whether `token` names a version that holds a value (an empty one, a rotation's, is filled by the write). */
const isFilledVersion = (state: ActiveSecret, token: VersionId): boolean =>
  state.versions.get(token)?.value !== undefined;

/**
 * A new version `token` holding `value` (or the empty version `token` a rotation made, filled), with the staging
 * labels PutSecretValue's rules give it; a rotation under way is abandoned if AWSCURRENT moves elsewhere.
 */
const addVersion = (
  state: ActiveSecret,
  token: VersionId,
  value: SealedValue,
  versionStages: ReadonlyArray<StagingLabel> | undefined,
  policy: VersionPolicy,
  now: Millis,
): Decision => {
  // Filling the empty version a rotation made adds none: the quota is for new versions.
  const filling = state.versions.has(token);
  const room = filling ? E.right([] as const) : roomForVersion(state, policy, now);
  if (E.isLeft(room)) return room;
  const requested = new Set(versionStages ?? [AWSCURRENT]);
  // The first version of a secret always gets AWSCURRENT, whatever else was asked for.
  if (state.versions.size === 0) requested.add(AWSCURRENT);
  const labels: Labels = new Map(state.labels);
  const formerCurrent = labels.get(AWSCURRENT);
  const moves = [...requested].flatMap((label) => moveLabel(labels, label, token, requested, now));
  // Observed on AWS: when PutSecretValue moves AWSCURRENT off a version that also had AWSPENDING, AWSPENDING goes.
  if (requested.has(AWSCURRENT) && !requested.has(AWSPENDING) && formerCurrent !== undefined) {
    if (labels.get(AWSPENDING) === formerCurrent) moves.push(...attach(labels, AWSPENDING, undefined, now));
  }
  if (labels.size > MAX_STAGING_LABELS) return E.left({ _tag: "StagingLabelQuotaExceeded", limit: MAX_STAGING_LABELS });
  const version = filling
    ? event<VersionFilled>("VersionFilled", { versionId: token, value }, now)
    : versionCreated(token, value, now);
  return E.right([...room.right, version, ...moves, ...abandonedBy(state, labels, now)]);
};

const updateSecretVersionStage = (cmd: UpdateSecretVersionStage["data"], found: SecretState): Decision => {
  const secret = live(found);
  if (E.isLeft(secret)) return secret;
  const state = secret.right;
  const { versionStage: label, moveToVersionId: moveTo, removeFromVersionId: removeFrom } = cmd;
  if (moveTo === undefined && removeFrom === undefined) return E.left({ _tag: "StageTargetMissing" });
  if (moveTo !== undefined && !state.versions.has(moveTo)) return E.left({ _tag: "UnknownVersion", versionId: moveTo });
  if (removeFrom !== undefined && !state.versions.has(removeFrom))
    return E.left({ _tag: "UnknownVersion", versionId: removeFrom });
  const holder = state.labels.get(label);
  if (removeFrom !== undefined && holder !== removeFrom)
    return E.left(
      moveTo !== undefined && holder !== undefined
        ? { _tag: "RemoveFromVersionMismatch", label }
        : { _tag: "StageNotOnRemoveFromVersion", label, versionId: removeFrom },
    );

  const labels: Labels = new Map(state.labels);
  if (moveTo === undefined) {
    // A secret always has an AWSCURRENT version: it can be moved, not detached.
    if (label === AWSCURRENT) return E.left({ _tag: "CurrentCannotBeDetached" });
    return E.right(attach(labels, label, undefined, cmd.now));
  }
  if (holder === moveTo) return E.right([]);
  // Moving a label that is attached elsewhere must name where it comes from.
  if (holder !== undefined && removeFrom === undefined)
    return E.left({ _tag: "RemoveFromVersionRequired", label, holder });
  const moves = moveLabel(labels, label, moveTo, new Set([label]), cmd.now);
  if (labels.size > MAX_STAGING_LABELS) return E.left({ _tag: "StagingLabelQuotaExceeded", limit: MAX_STAGING_LABELS });
  return E.right([...moves, ...abandonedBy(state, labels, cmd.now)]);
};

/** UpdateSecret: metadata changes, and with a value a new version exactly as PutSecretValue without labels. */
const updateSecret = (cmd: UpdateSecret["data"], state: SecretState): Decision => {
  const secret = live(state);
  if (E.isLeft(secret)) return secret;
  const value = singleValue(cmd, true);
  if (E.isLeft(value)) return value;
  const current = secret.right;
  const changed: { description?: string; kmsKeyId?: string } = {};
  if (cmd.description !== undefined && cmd.description !== (current.description ?? ""))
    changed.description = cmd.description;
  if (cmd.kmsKeyId !== undefined && cmd.kmsKeyId !== (current.kmsKeyId ?? "")) changed.kmsKeyId = cmd.kmsKeyId;
  const metadata = Object.keys(changed).length === 0 ? [] : [event<SecretUpdated>("SecretUpdated", changed, cmd.now)];
  if (value.right === undefined) return E.right(metadata);
  if (cmd.clientRequestToken === undefined) return E.left({ _tag: "ClientRequestTokenMissing" });
  const token = cmd.clientRequestToken;
  const version = isFilledVersion(current, token)
    ? sameValueOrConflict(current, token, value.right)
    : addVersion(current, token, value.right, undefined, cmd.versionPolicy, cmd.now);
  return E.map((events: ReadonlyArray<SecretEvent>) => [...metadata, ...events])(version);
};

/**
 * DeleteSecret: schedules the deletion after a recovery window, or deletes at once when forced (also a
 * secret already scheduled, and, with nothing to do, a secret that does not exist).
 */
const deleteSecret = (cmd: DeleteSecret["data"], state: SecretState): Decision => {
  const force = cmd.forceDeleteWithoutRecovery === true;
  if (force && cmd.recoveryWindowInDays !== undefined) return E.left({ _tag: "RecoveryWindowWithForce" });
  const days = cmd.recoveryWindowInDays ?? RECOVERY_WINDOW_DAYS.default;
  if (days < RECOVERY_WINDOW_DAYS.min || days > RECOVERY_WINDOW_DAYS.max)
    return E.left({ _tag: "RecoveryWindowOutOfRange" });
  if (state.status !== "active") return force ? E.right([]) : E.left({ _tag: "SecretNotFound" });
  // A primary's replicas go first (RemoveRegionsFromReplication), as on AWS.
  const replicas = (state.replicas ?? []).map((r) => r.region);
  if (replicas.length > 0) return E.left({ _tag: "SecretHasReplicas", arn: state.arn, regions: replicas });
  if (force) return E.right([secretDeleted(state, true, cmd.now)]);
  if (state.deletion !== undefined) return E.left({ _tag: "DeletionAlreadyScheduled" });
  return E.right([event<DeletionScheduled>("DeletionScheduled", { deletionDate: cmd.now + days * DAY_MS }, cmd.now)]);
};

/** RestoreSecret cancels a scheduled deletion; on a secret that is not scheduled it changes nothing. */
const restoreSecret = (now: Millis, state: SecretState): Decision => {
  if (state.status !== "active") return E.left({ _tag: "SecretNotFound" });
  return E.right(state.deletion === undefined ? [] : [event<DeletionCancelled>("DeletionCancelled", {}, now)]);
};

const purgeDeletedSecret = (now: Millis, state: SecretState): Decision =>
  E.right(
    state.status === "active" && state.deletion !== undefined && state.deletion.deletionDate <= now
      ? [secretDeleted(state, false, now)]
      : [],
  );

/** LastAccessedDate has day resolution: one event for the first read of a version on each day. */
export const dayOf = (now: Millis): Millis => Math.floor(now / DAY_MS) * DAY_MS;

const recordAccess = (versionId: VersionId, now: Millis, state: SecretState): Decision => {
  const version = state.status === "active" ? state.versions.get(versionId) : undefined;
  const day = dayOf(now);
  return E.right(
    version === undefined || version.lastAccessedDay === day
      ? []
      : [event<SecretAccessed>("SecretAccessed", { versionId, day }, now)],
  );
};

const secretDeleted = (state: ActiveSecret, forced: boolean, now: Millis): SecretDeleted =>
  event<SecretDeleted>("SecretDeleted", { arn: state.arn, versionIds: [...state.versions.keys()], forced }, now);

/** Exactly one of SecretString and SecretBinary, or (where `optional`) neither. */
const singleValue = (
  cmd: { readonly secretString?: SealedValue; readonly secretBinary?: SealedValue },
  optional: boolean,
): E.Either<SecretError, SealedValue | undefined> => {
  if (cmd.secretString !== undefined && cmd.secretBinary !== undefined) return E.left({ _tag: "SecretValueAmbiguous" });
  const value = cmd.secretString ?? cmd.secretBinary;
  if (value === undefined && !optional) return E.left({ _tag: "SecretValueMissing" });
  return E.right(value);
};

/** A token names a version for good: reusing it with the same value is a no-op, with another value an error. */
const sameValueOrConflict = (state: ActiveSecret, token: VersionId, value: SealedValue): Decision => {
  const existing = (state.versions.get(token) as Version).value;
  return existing !== undefined && existing.kind === value.kind && existing.fingerprint === value.fingerprint
    ? E.right([])
    : E.left({ _tag: "ClientRequestTokenInUse", token, arn: state.arn });
};

/** The secret decider: every AWS rule about a secret's versions, labels, tokens, tags, policy and deletion. */
export const secretDecider: Decider<SecretCommand, SecretEvent, SecretState, SecretError> = {
  decide,
  evolve,
  initialState,
};
