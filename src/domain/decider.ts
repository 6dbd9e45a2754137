import * as E from "fp-ts/lib/Either.js";
import type { CreateSecret, PutSecretValue, SecretCommand, UpdateSecretVersionStage } from "./commands.js";
import type { SecretError } from "./errors.js";
import { labelMoved, secretCreated, versionCreated, type LabelMoved, type SecretEvent } from "./events.js";
import type { ActiveSecret, SecretState, Version } from "./state.js";
import {
  AWSCURRENT,
  AWSPENDING,
  AWSPREVIOUS,
  type Millis,
  type SealedValue,
  type StagingLabel,
  type VersionId,
} from "./types.js";

/** AWS quota: at most 20 staging labels attached across all versions of one secret. */
export const MAX_STAGING_LABELS = 20;

type Decision = E.Either<SecretError, ReadonlyArray<SecretEvent>>;
type Labels = Map<StagingLabel, VersionId>;

/** `[]` means the command was already done (an idempotent retry): success that changes nothing. */
export const decide = (command: SecretCommand, state: SecretState): Decision => {
  switch (command.type) {
    case "CreateSecret":
      return createSecret(command.data, state);
    case "PutSecretValue":
      return putSecretValue(command.data, state);
    case "UpdateSecretVersionStage":
      return updateSecretVersionStage(command.data, state);
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
  if (value.right === undefined) return E.right([created]);
  return E.right([
    created,
    versionCreated(token, value.right, cmd.now),
    labelMoved(AWSCURRENT, undefined, token, cmd.now),
  ]);
};

const putSecretValue = (cmd: PutSecretValue["data"], state: SecretState): Decision => {
  if (state.status !== "active") return E.left({ _tag: "SecretNotFound" });
  const value = singleValue(cmd, false);
  if (E.isLeft(value)) return value;
  if (value.right === undefined) return E.left({ _tag: "SecretValueMissing" });
  if (cmd.clientRequestToken === undefined) return E.left({ _tag: "ClientRequestTokenMissing" });
  const token = cmd.clientRequestToken;
  if (state.versions.has(token)) return sameValueOrConflict(state, token, value.right);

  const requested = new Set(cmd.versionStages ?? [AWSCURRENT]);
  // The first version of a secret always gets AWSCURRENT, whatever else was asked for.
  if (state.versions.size === 0) requested.add(AWSCURRENT);
  const labels: Labels = new Map(state.labels);
  const formerCurrent = labels.get(AWSCURRENT);
  const moves = [...requested].flatMap((label) => moveLabel(labels, label, token, requested, cmd.now));
  // Observed on AWS: when PutSecretValue moves AWSCURRENT off a version that also had AWSPENDING, AWSPENDING goes.
  if (requested.has(AWSCURRENT) && !requested.has(AWSPENDING) && formerCurrent !== undefined) {
    if (labels.get(AWSPENDING) === formerCurrent) moves.push(...attach(labels, AWSPENDING, undefined, cmd.now));
  }
  if (labels.size > MAX_STAGING_LABELS) return E.left({ _tag: "StagingLabelQuotaExceeded", limit: MAX_STAGING_LABELS });
  return E.right([versionCreated(token, value.right, cmd.now), ...moves]);
};

const updateSecretVersionStage = (cmd: UpdateSecretVersionStage["data"], state: SecretState): Decision => {
  if (state.status !== "active") return E.left({ _tag: "SecretNotFound" });
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
  return E.right(moves);
};

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
  const existing = state.versions.get(token) as Version;
  return existing.value.kind === value.kind && existing.value.fingerprint === value.fingerprint
    ? E.right([])
    : E.left({ _tag: "ClientRequestTokenInUse", token, arn: state.arn });
};

/** Puts `label` on `to` (or detaches it), updating the working map; nothing when it is already there. */
const attach = (labels: Labels, label: StagingLabel, to: VersionId | undefined, at: Millis): LabelMoved[] => {
  const from = labels.get(label);
  if (from === to) return [];
  if (to === undefined) labels.delete(label);
  else labels.set(label, to);
  return [labelMoved(label, from, to, at)];
};

/**
 * Moves a label to `to`. When AWSCURRENT leaves a version, that version receives AWSPREVIOUS (taken from its
 * former holder), unless the same command places AWSPREVIOUS itself.
 */
const moveLabel = (
  labels: Labels,
  label: StagingLabel,
  to: VersionId,
  placedByCommand: ReadonlySet<StagingLabel>,
  at: Millis,
): LabelMoved[] => {
  const from = labels.get(label);
  const moves = attach(labels, label, to, at);
  if (label === AWSCURRENT && from !== undefined && from !== to && !placedByCommand.has(AWSPREVIOUS))
    moves.push(...attach(labels, AWSPREVIOUS, from, at));
  return moves;
};
