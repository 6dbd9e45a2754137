import * as E from "fp-ts/lib/Either.js";
import type {
  CancelRotateSecret,
  CompleteRotation,
  RecordRotationFailure,
  RetryRotation,
  RotateSecret,
  StartScheduledRotation,
  VersionPolicy,
} from "./commands.js";
import { live, type Decision } from "./decision.js";
import type { SecretError } from "./errors.js";
import {
  event,
  versionCreated,
  type RotationAbandoned,
  type RotationCancelled,
  type RotationConfigured,
  type RotationFailed,
  type RotationStarted,
  type RotationSucceeded,
  type SecretEvent,
} from "./events.js";
import { attach, type Labels } from "./labels.js";
import { roomForVersion } from "./pruning.js";
import { nextWindow, scheduleOf, type RotationWindow } from "./rotation-schedule.js";
import type { ActiveSecret, SecretState } from "./state.js";
import { AWSCURRENT, AWSPENDING, type Millis, type SealedValue, type VersionId } from "./types.js";

// AWS's rotation contract as decisions: RotateSecret stores the configuration and starts a rotation (an empty
// AWSPENDING version for the function to fill); the runner's attempts, failures and completion; the scheduler's
// due rotations; CancelRotateSecret; and the abandonment of a rotation when another write moves AWSCURRENT.

/** The version AWSPENDING is on when that is not the AWSCURRENT one: a rotation that has not completed. */
export const unfinishedRotation = (state: ActiveSecret): VersionId | undefined => {
  const pending = state.labels.get(AWSPENDING);
  return pending !== undefined && pending !== state.labels.get(AWSCURRENT) ? pending : undefined;
};

/** RotateSecret's checks, in AWS's order: the secret, the token, the rules, a function. */
const rotationRequest = (cmd: RotateSecret["data"], found: SecretState): E.Either<SecretError, ActiveSecret> => {
  const secret = live(found);
  if (E.isLeft(secret)) return secret;
  if (cmd.clientRequestToken === undefined) return E.left({ _tag: "RotationTokenMissing" });
  const schedule = cmd.rules === undefined ? E.right(undefined) : scheduleOf(cmd.rules);
  if (E.isLeft(schedule)) return E.left({ _tag: "InvalidRotationRules", message: schedule.left.message });
  if ((cmd.lambdaArn ?? secret.right.rotation?.lambdaArn) === undefined)
    return E.left({ _tag: "RotationFunctionMissing" });
  return secret;
};

export const rotateSecret = (cmd: RotateSecret["data"], found: SecretState): Decision => {
  const request = rotationRequest(cmd, found);
  if (E.isLeft(request)) return request;
  const state = request.right;
  const token = cmd.clientRequestToken as VersionId;
  const inFlight = state.rotation?.inFlight;
  // The same call again (its token is the rotation under way): done already.
  if (inFlight?.versionId === token || (state.versions.has(token) && unfinishedRotation(state) === token))
    return E.right([]);
  if (inFlight !== undefined || unfinishedRotation(state) !== undefined) return E.left({ _tag: "RotationIncomplete" });
  if (state.versions.has(token)) return E.left({ _tag: "RotationTokenInUse", token, arn: state.arn });
  const configured = event<RotationConfigured>(
    "RotationConfigured",
    {
      ...(cmd.lambdaArn === undefined ? {} : { lambdaArn: cmd.lambdaArn }),
      ...(cmd.rules === undefined ? {} : { rules: cmd.rules }),
    },
    cmd.now,
  );
  if (cmd.rotateImmediately) return withRotation(state, [configured], token, undefined, cmd.versionPolicy, cmd.now);
  // RotateImmediately=false: testSecret alone, against a copy of the current value (nothing to copy: no test).
  if (cmd.currentCopy === undefined || !state.labels.has(AWSCURRENT)) return E.right([configured]);
  return withRotation(state, [configured], token, cmd.currentCopy, cmd.versionPolicy, cmd.now);
};

/** `before`, then the rotation's pending version `token` (empty, or a test's copy), AWSPENDING on it, and its start. */
const withRotation = (
  state: ActiveSecret,
  before: ReadonlyArray<SecretEvent>,
  token: VersionId,
  copy: SealedValue | undefined,
  policy: VersionPolicy,
  now: Millis,
  scheduled = false,
): Decision => {
  const room = roomForVersion(state, policy, now);
  if (E.isLeft(room)) return room;
  const labels: Labels = new Map(state.labels);
  return E.right([
    ...before,
    ...room.right,
    versionCreated(token, copy, now),
    ...attach(labels, AWSPENDING, token, now),
    started(token, 1, copy !== undefined, scheduled, now),
  ]);
};

const started = (versionId: VersionId, attempt: number, testOnly: boolean, scheduled: boolean, now: Millis) =>
  event<RotationStarted>(
    "RotationStarted",
    { versionId, attempt, ...(testOnly ? { testOnly } : {}), ...(scheduled ? { scheduled } : {}) },
    now,
  );

/**
 * CancelRotateSecret: rotation disabled and the rotation under way stopped. AWSPENDING stays where it is: the
 * caller removes it (until then, RotateSecret refuses to start another).
 */
export const cancelRotateSecret = (cmd: CancelRotateSecret["data"], found: SecretState): Decision => {
  const secret = live(found);
  if (E.isLeft(secret)) return secret;
  const rotation = secret.right.rotation;
  if (rotation === undefined) return E.left({ _tag: "RotationNotConfigured" });
  const versionId = cancelledVersion(secret.right);
  if (!rotation.enabled && rotation.inFlight === undefined) return E.right([]);
  return E.right([
    event<RotationCancelled>("RotationCancelled", versionId === undefined ? {} : { versionId }, cmd.now),
  ]);
};

/** The version the cancelled rotation made: the one under way, or one AWSPENDING was left on. */
export const cancelledVersion = (state: ActiveSecret): VersionId | undefined =>
  state.rotation?.inFlight?.versionId ?? unfinishedRotation(state);

/**
 * When the next rotation is due: the next window of the schedule after the last rotation (for a number of days,
 * a manual PutSecretValue or UpdateSecret counts as one); none unless rotation is enabled with a schedule.
 */
export const nextRotation = (state: ActiveSecret): RotationWindow | undefined => {
  const rotation = state.rotation;
  if (rotation === undefined || !rotation.enabled || rotation.rules === undefined) return undefined;
  const schedule = scheduleOf(rotation.rules);
  if (E.isLeft(schedule) || schedule.right === undefined) return undefined;
  const s = schedule.right;
  const current = state.labels.get(AWSCURRENT);
  const valueChangedAt =
    s.kind === "days" && !s.expression && current !== undefined ? state.versions.get(current)?.createdAt : undefined;
  const last = Math.max(rotation.lastRotatedAt ?? 0, valueChangedAt ?? 0);
  // Never rotated: counted from when rotation was configured (for cron(), always: its windows are fixed times).
  const after = last === 0 || s.kind === "cron" ? Math.max(last, rotation.configuredAt) : last;
  return nextWindow(s, after);
};

/** The scheduler's command: the rotation its window says is due, or the unfinished one, reattempted. */
export const startScheduledRotation = (cmd: StartScheduledRotation["data"], state: SecretState): Decision => {
  if (state.status !== "active" || state.deletion !== undefined) return E.right([]);
  const rotation = state.rotation;
  if (rotation?.enabled !== true || rotation.lambdaArn === undefined || rotation.inFlight !== undefined)
    return E.right([]);
  const due = nextRotation(state);
  if (due === undefined || due.start > cmd.now) return E.right([]);
  const unfinished = unfinishedRotation(state);
  // AWS reattempts an unfinished rotation with its own token rather than start another.
  if (unfinished !== undefined) return E.right([started(unfinished, 1, false, true, cmd.now)]);
  return withRotation(state, [], cmd.token, undefined, cmd.versionPolicy, cmd.now, true);
};

/** The attempt under way, if it is attempt `attempt` of rotation `versionId`. */
const attemptOf = (state: SecretState, versionId: VersionId, attempt: number) => {
  const inFlight = state.status === "active" ? state.rotation?.inFlight : undefined;
  return inFlight?.versionId === versionId && inFlight.attempt === attempt ? inFlight : undefined;
};

export const retryRotation = (cmd: RetryRotation["data"], state: SecretState): Decision => {
  const before = attemptOf(state, cmd.versionId, cmd.attempt - 1);
  if (before === undefined || state.status !== "active" || state.deletion !== undefined) return E.right([]);
  const due = before.retryAt === undefined ? before.attemptAt + cmd.leaseMs : before.retryAt;
  if (due > cmd.now) return E.right([]);
  return E.right([started(cmd.versionId, cmd.attempt, before.testOnly, false, cmd.now)]);
};

export const recordRotationFailure = (cmd: RecordRotationFailure["data"], state: SecretState): Decision => {
  const attempt = attemptOf(state, cmd.versionId, cmd.attempt);
  if (attempt === undefined || state.status !== "active") return E.right([]);
  const { versionId, step, reason, retryAt } = cmd;
  const failed = event<RotationFailed>(
    "RotationFailed",
    { versionId, attempt: cmd.attempt, step, reason, ...(retryAt === undefined ? {} : { retryAt }) },
    cmd.now,
  );
  // A test that will not be retried leaves no AWSPENDING behind: it was never to change the secret.
  const cleanup =
    attempt.testOnly && retryAt === undefined ? attach(new Map(state.labels), AWSPENDING, undefined, cmd.now) : [];
  return E.right([failed, ...(state.labels.get(AWSPENDING) === versionId ? cleanup : [])]);
};

/** Completion: AWSPENDING on the AWSCURRENT version, or on none; then AWSPENDING is cleaned up. */
export const completeRotation = (cmd: CompleteRotation["data"], state: SecretState): Decision => {
  const attempt = attemptOf(state, cmd.versionId, cmd.attempt);
  if (attempt === undefined || state.status !== "active") return E.right([]);
  const labels: Labels = new Map(state.labels);
  const pending = labels.get(AWSPENDING);
  if (attempt.testOnly) {
    const cleanup = pending === cmd.versionId ? attach(labels, AWSPENDING, undefined, cmd.now) : [];
    return E.right([...cleanup, succeeded(cmd.versionId, true, cmd.now)]);
  }
  if (pending !== undefined && pending !== labels.get(AWSCURRENT)) return E.left({ _tag: "RotationNotFinished" });
  return E.right([...attach(labels, AWSPENDING, undefined, cmd.now), succeeded(cmd.versionId, false, cmd.now)]);
};

const succeeded = (versionId: VersionId, testOnly: boolean, now: Millis) =>
  event<RotationSucceeded>("RotationSucceeded", { versionId, ...(testOnly ? { testOnly } : {}) }, now);

/**
 * A write that moves AWSCURRENT to a version other than the rotation's while a rotation runs abandons it:
 * AWSPENDING is removed. `labels` are the labels as the write leaves them (updated here).
 */
export const abandonedBy = (state: ActiveSecret, labels: Labels, now: Millis): ReadonlyArray<SecretEvent> => {
  const inFlight = state.rotation?.inFlight;
  const current = labels.get(AWSCURRENT);
  if (inFlight === undefined || current === state.labels.get(AWSCURRENT) || current === inFlight.versionId) return [];
  return [
    event<RotationAbandoned>("RotationAbandoned", { versionId: inFlight.versionId }, now),
    ...attach(labels, AWSPENDING, undefined, now),
  ];
};
