import * as E from "fp-ts/lib/Either.js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SecretCatalog } from "../../projections/secret-catalog.js";
import type { SecretCommand } from "../../src/domain/commands.js";
import { secretDecider } from "../../src/domain/decider.js";
import { event, type SecretEvent } from "../../src/domain/events.js";
import { selectVersion } from "../../src/domain/queries.js";
import { nextRotation } from "../../src/domain/rotation.js";
import { fold, valueRef, type ActiveSecret } from "../../src/domain/state.js";
import {
  HOUR,
  NOW,
  POLICY,
  given,
  label,
  putSecretValue,
  sealed,
  updateStage,
  v,
  withFirstVersion,
} from "../support/decider.js";

const LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:rotator";
const DAY = 24 * HOUR;

const rotate = (
  token: string | undefined,
  data: Partial<Extract<SecretCommand, { type: "RotateSecret" }>["data"]> = {},
): SecretCommand => ({
  type: "RotateSecret",
  data: {
    ...(token === undefined ? {} : { clientRequestToken: v(token) }),
    lambdaArn: LAMBDA,
    rotateImmediately: true,
    versionPolicy: POLICY,
    now: NOW,
    ...data,
  },
});

/** The events `commands` append one after another to `history` (each must be accepted). */
const run = (history: ReadonlyArray<SecretEvent>, ...commands: SecretCommand[]): SecretEvent[] =>
  commands.reduce<SecretEvent[]>(
    (events, command) => {
      const decided = secretDecider.decide(command, fold(events));
      if (E.isLeft(decided)) assert.unreachable(`${command.type} refused with ${decided.left._tag}`);
      return E.isLeft(decided) ? events : [...events, ...decided.right];
    },
    [...history],
  );

const stateOf = (events: ReadonlyArray<SecretEvent>): ActiveSecret => fold(events) as ActiveSecret;

const rotating = (): SecretEvent[] => run(withFirstVersion("1"), rotate("2"));

test("RotateSecret stores the configuration and starts with an empty AWSPENDING version that can't be read", () => {
  given(withFirstVersion("1"))
    .when(rotate("2"))
    .thenLabels({ "1": ["AWSCURRENT"], "2": ["AWSPENDING"] });
  const state = stateOf(rotating());
  assert.is(state.versions.get(v("2"))?.value, undefined);
  assert.equal(state.rotation?.inFlight, { versionId: v("2"), attempt: 1, attemptAt: NOW, testOnly: false });
  assert.is(state.rotation?.lambdaArn, LAMBDA);
  const read = selectVersion(state, { versionId: v("2"), versionStage: label("AWSPENDING") });
  assert.equal(read, E.left({ _tag: "StagingLabelNotFound", label: "AWSPENDING" }));
  assert.equal(selectVersion(state, { versionId: v("2") }), E.left({ _tag: "VersionNotFound", versionId: v("2") }));
});

test("RotateSecret's refusals: no token, no function, scheduled for deletion, a rotation not complete", () => {
  given(withFirstVersion("1")).when(rotate(undefined)).thenRefused({ _tag: "RotationTokenMissing" });
  const { lambdaArn: _none, ...withoutFunction } = (rotate("2") as Extract<SecretCommand, { type: "RotateSecret" }>)
    .data;
  given(withFirstVersion("1"))
    .when({ type: "RotateSecret", data: withoutFunction })
    .thenRefused({ _tag: "RotationFunctionMissing" });
  given([...withFirstVersion("1"), event("DeletionScheduled", { deletionDate: NOW + DAY }, NOW)])
    .when(rotate("2"))
    .thenRefused({ _tag: "SecretScheduledForDeletion" });
  given(rotating()).when(rotate("3")).thenRefused({ _tag: "RotationIncomplete" });
  // The same call again changes nothing; the stored function serves a call that names none.
  given(rotating()).when(rotate("2")).then([]);
  given(withFirstVersion("1"))
    .when(rotate("2", { rules: { automaticallyAfterDays: 7, scheduleExpression: "rate(7 days)" } }))
    .thenRefused({
      _tag: "InvalidRotationRules",
      message: "You can't specify both AutomaticallyAfterDays and ScheduleExpression in RotationRules.",
    });
});

test("the function's writes fill the pending version and move AWSCURRENT; completion cleans AWSPENDING up", () => {
  const filled = run(rotating(), putSecretValue("2", sealed("new"), ["AWSPENDING"]));
  assert.equal(filled.at(-1)?.type, "VersionFilled");
  assert.equal(stateOf(filled).versions.get(v("2"))?.value, valueRef(sealed("new"), undefined));
  const finished = run(filled, updateStage("AWSCURRENT", "2", "1"));
  assert.equal(
    stateOf(finished).rotation?.inFlight?.versionId,
    v("2"),
    "moving AWSCURRENT to the rotation's version is not abandonment",
  );
  given(finished)
    .when({ type: "CompleteRotation", data: { versionId: v("2"), attempt: 1, now: NOW + 1 } })
    .thenLabels({ "1": ["AWSPREVIOUS"], "2": ["AWSCURRENT"] });
  const done = stateOf(
    run(finished, { type: "CompleteRotation", data: { versionId: v("2"), attempt: 1, now: NOW + 1 } }),
  );
  assert.is(done.rotation?.lastRotatedAt, NOW + 1);
  assert.is(done.rotation?.inFlight, undefined);
  // Not complete while AWSPENDING is on a version that isn't AWSCURRENT.
  given(filled)
    .when({ type: "CompleteRotation", data: { versionId: v("2"), attempt: 1, now: NOW } })
    .thenRefused({ _tag: "RotationNotFinished" });
});

test("a write that moves AWSCURRENT elsewhere during a rotation abandons it and removes AWSPENDING", () => {
  given(rotating())
    .when(putSecretValue("3", sealed("manual")))
    .thenLabels({ "1": ["AWSPREVIOUS"], "2": [], "3": ["AWSCURRENT"] });
  const abandoned = stateOf(run(rotating(), putSecretValue("3", sealed("manual"))));
  assert.is(abandoned.rotation?.inFlight, undefined);
  // The function's own write with AWSPENDING does not count.
  assert.ok(stateOf(run(rotating(), putSecretValue("2", sealed("x"), ["AWSPENDING"]))).rotation?.inFlight);
});

test("a failed attempt is retried from its retryAt; given up, AWSPENDING stays and blocks RotateSecret until removed", () => {
  const failed = run(rotating(), {
    type: "RecordRotationFailure",
    data: {
      versionId: v("2"),
      attempt: 1,
      step: "createSecret",
      reason: "ValueError",
      retryAt: NOW + 60_000,
      now: NOW,
    },
  });
  const retry = (now: number): SecretCommand => ({
    type: "RetryRotation",
    data: { versionId: v("2"), attempt: 2, leaseMs: 15 * 60_000, now },
  });
  given(failed)
    .when(retry(NOW + 59_999))
    .then([]);
  given(failed)
    .when(retry(NOW + 60_000))
    .then([event("RotationStarted", { versionId: v("2"), attempt: 2 }, NOW + 60_000)]);
  const gaveUp = run(failed, retry(NOW + 60_000), {
    type: "RecordRotationFailure",
    data: { versionId: v("2"), attempt: 2, step: "testSecret", reason: "exit code 1", now: NOW + 70_000 },
  });
  assert.is(stateOf(gaveUp).rotation?.inFlight, undefined);
  assert.is(stateOf(gaveUp).labels.get(label("AWSPENDING")), v("2"));
  given(gaveUp).when(rotate("3")).thenRefused({ _tag: "RotationIncomplete" });
  // A late failure report of an attempt no longer under way changes nothing.
  given(gaveUp)
    .when({
      type: "RecordRotationFailure",
      data: { versionId: v("2"), attempt: 1, step: "setSecret", reason: "x", now: NOW },
    })
    .then([]);
  // CancelRotateSecret names the version and leaves AWSPENDING; once removed, a new rotation starts.
  given(gaveUp)
    .when({ type: "CancelRotateSecret", data: { now: NOW + 80_000 } })
    .then([event("RotationCancelled", { versionId: v("2") }, NOW + 80_000)]);
  const cancelled = run(gaveUp, { type: "CancelRotateSecret", data: { now: NOW + 80_000 } });
  assert.is(stateOf(cancelled).rotation?.enabled, false);
  assert.is(stateOf(cancelled).rotation?.lambdaArn, LAMBDA);
  assert.is(stateOf(cancelled).labels.get(label("AWSPENDING")), v("2"));
  const cleared = run(cancelled, updateStage("AWSPENDING", undefined, "2"));
  given(cleared)
    .when(rotate("3"))
    .thenLabels({ "1": ["AWSCURRENT"], "2": [], "3": ["AWSPENDING"] });
});

test("CancelRotateSecret on a secret whose rotation was never configured is refused", () => {
  given(withFirstVersion("1"))
    .when({ type: "CancelRotateSecret", data: { now: NOW } })
    .thenRefused({ _tag: "RotationNotConfigured" });
});

test("RotateImmediately=false: testSecret against a copy of the current value, AWSPENDING removed after", () => {
  const testing = run(withFirstVersion("1"), rotate("2", { rotateImmediately: false, currentCopy: sealed("1") }));
  const state = stateOf(testing);
  assert.equal(state.versions.get(v("2"))?.value, valueRef(sealed("1"), undefined));
  assert.is(state.rotation?.inFlight?.testOnly, true);
  given(testing)
    .when({ type: "CompleteRotation", data: { versionId: v("2"), attempt: 1, now: NOW } })
    .thenLabels({ "1": ["AWSCURRENT"], "2": [] });
  const tested = stateOf(run(testing, { type: "CompleteRotation", data: { versionId: v("2"), attempt: 1, now: NOW } }));
  assert.is(tested.rotation?.lastRotatedAt, undefined, "a test is not a rotation");
});

test("NextRotationDate follows the last rotation; for days a manual write counts as one", () => {
  const configured = run(
    withFirstVersion("1"),
    rotate("2", { rotateImmediately: false, rules: { automaticallyAfterDays: 7 } }),
  );
  const state = stateOf(configured);
  assert.is(
    new Date(nextRotation(state)?.end ?? 0).toISOString(),
    new Date(Math.floor(NOW / DAY) * DAY + 8 * DAY - 1000).toISOString(),
  );
  const later = NOW + 3 * DAY;
  const manual = stateOf(run(configured, putSecretValue("3", sealed("m"), undefined, later)));
  assert.is(nextRotation(manual)?.start, Math.floor(later / DAY) * DAY + 7 * DAY);
});

test("the scheduler starts a due rotation once, and reattempts an unfinished one with its own token", () => {
  const configured = run(
    withFirstVersion("1"),
    rotate("2", { rotateImmediately: false, rules: { automaticallyAfterDays: 1 } }),
  );
  const scheduled = (now: number, token = "9"): SecretCommand => ({
    type: "StartScheduledRotation",
    data: { token: v(token), versionPolicy: POLICY, now },
  });
  given(configured).when(scheduled(NOW)).then([]);
  const due = Math.floor(NOW / DAY) * DAY + DAY;
  given(configured)
    .when(scheduled(due))
    .thenLabels({ "1": ["AWSCURRENT"], "9": ["AWSPENDING"] });
  const started = run(configured, scheduled(due));
  given(started).when(scheduled(due, "8")).then([]);
  const gaveUp = run(started, {
    type: "RecordRotationFailure",
    data: { versionId: v("9"), attempt: 1, step: "setSecret", reason: "x", now: due },
  });
  given(gaveUp)
    .when(scheduled(due + 1, "7"))
    .then([event("RotationStarted", { versionId: v("9"), attempt: 1, scheduled: true }, due + 1)]);
});

test("a SecretId that is an ARN whose name part ends in a hyphen and 6 characters is a full ARN only", () => {
  const catalog = new SecretCatalog();
  const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-abcdef-XyZ123";
  catalog.apply(1, "app-abcdef", [event("SecretCreated", { name: "app-abcdef" as never, arn }, NOW)]);
  assert.is(catalog.resolve({ kind: "name", name: "app-abcdef" })?.name, "app-abcdef");
  assert.is(
    catalog.resolve({ kind: "arn", name: "app-abcdef-XyZ123", suffixed: { name: "app-abcdef", suffix: "XyZ123" } })
      ?.name,
    "app-abcdef",
  );
  // Its partial ARN reads as a full ARN of a secret "app": not found, as on AWS.
  assert.is(
    catalog.resolve({ kind: "arn", name: "app-abcdef", suffixed: { name: "app", suffix: "abcdef" } }),
    undefined,
  );
});

test("CancelRotateSecret stops the rotation under way: its retry is not claimed; rules and function stay", () => {
  const failed = run(rotating(), {
    type: "RecordRotationFailure",
    data: { versionId: v("2"), attempt: 1, step: "setSecret", reason: "x", retryAt: NOW + 1, now: NOW },
  });
  const cancelled = run(failed, { type: "CancelRotateSecret", data: { now: NOW + 1 } });
  const state = stateOf(cancelled);
  assert.is(state.rotation?.inFlight, undefined);
  assert.is(state.rotation?.enabled, false);
  assert.is(state.rotation?.lambdaArn, LAMBDA);
  given(cancelled)
    .when({ type: "RetryRotation", data: { versionId: v("2"), attempt: 2, leaseMs: 1, now: NOW + 2 } })
    .then([]);
  given(cancelled)
    .when({ type: "StartScheduledRotation", data: { token: v("9"), versionPolicy: POLICY, now: NOW + 100 * DAY } })
    .then([]);
  // A second cancel changes nothing, and still names the version AWSPENDING was left on.
  given(cancelled)
    .when({ type: "CancelRotateSecret", data: { now: NOW + 2 } })
    .then([]);
});

test("an attempt whose runner is gone is taken over once it has run past its lease, not before", () => {
  const retry = (now: number): SecretCommand => ({
    type: "RetryRotation",
    data: { versionId: v("2"), attempt: 2, leaseMs: 180_000, now },
  });
  given(rotating())
    .when(retry(NOW + 179_999))
    .then([]);
  given(rotating())
    .when(retry(NOW + 180_000))
    .then([event("RotationStarted", { versionId: v("2"), attempt: 2 }, NOW + 180_000)]);
  // Only the attempt after the one under way may be claimed: a second claim of attempt 2 changes nothing.
  given(run(rotating(), retry(NOW + 180_000)))
    .when(retry(NOW + 400_000))
    .then([]);
});

test.run();
