import { test } from "uvu";
import { event, type SecretEvent } from "../../src/domain/events.js";
import type { SecretCommand } from "../../src/domain/commands.js";
import { MAX_TAGS } from "../../src/domain/metadata-rules.js";
import type { Tag } from "../../src/domain/types.js";
import {
  ARN,
  NOW,
  POLICY,
  createSecret,
  given,
  putSecretValue,
  sealed,
  updateStage,
  v,
  versionAdded,
  moved,
  withFirstVersion,
} from "../support/decider.js";

const DAY = 24 * 60 * 60 * 1000;
const del = (
  data: { recoveryWindowInDays?: number; forceDeleteWithoutRecovery?: boolean } = {},
  now = NOW,
): SecretCommand => ({
  type: "DeleteSecret",
  data: { ...data, now },
});
const scheduled = (days = 30): SecretEvent => event("DeletionScheduled", { deletionDate: NOW + days * DAY }, NOW);
const deleted = (versionIds: string[], forced: boolean, at = NOW): SecretEvent =>
  event("SecretDeleted", { arn: ARN, versionIds: versionIds.map(v), forced }, at);
const tag = (Key: string, Value = "v"): Tag => ({ Key, Value });
const update = (
  data: Omit<Extract<SecretCommand, { type: "UpdateSecret" }>["data"], "now" | "versionPolicy">,
): SecretCommand => ({
  type: "UpdateSecret",
  data: { ...data, versionPolicy: POLICY, now: NOW },
});

// §4.10 DeleteSecret and §5.3 the deletion lifecycle

test("DeleteSecret schedules the deletion 30 days out by default, or after the window asked for", () => {
  given(withFirstVersion())
    .when(del())
    .then([scheduled(30)]);
  given(withFirstVersion())
    .when(del({ recoveryWindowInDays: 7 }))
    .then([scheduled(7)]);
});

test("DeleteSecret's window must be 7 to 30 days, and cannot come with ForceDeleteWithoutRecovery", () => {
  given(withFirstVersion())
    .when(del({ recoveryWindowInDays: 6 }))
    .thenRefused({ _tag: "RecoveryWindowOutOfRange" });
  given(withFirstVersion())
    .when(del({ recoveryWindowInDays: 31 }))
    .thenRefused({ _tag: "RecoveryWindowOutOfRange" });
  given(withFirstVersion())
    .when(del({ recoveryWindowInDays: 7, forceDeleteWithoutRecovery: true }))
    .thenRefused({ _tag: "RecoveryWindowWithForce" });
});

test("DeleteSecret forced deletes at once, naming every version whose key must go", () => {
  given([...withFirstVersion("1"), versionAdded("2")])
    .when(del({ forceDeleteWithoutRecovery: true }))
    .then([deleted(["1", "2"], true)]);
});

test("DeleteSecret forced also deletes a secret already scheduled; unforced is refused there", () => {
  given([...withFirstVersion("1"), scheduled()])
    .when(del({ forceDeleteWithoutRecovery: true }))
    .then([deleted(["1"], true)]);
  given([...withFirstVersion("1"), scheduled()])
    .when(del())
    .thenRefused({ _tag: "DeletionAlreadyScheduled" });
});

test("DeleteSecret of a secret that does not exist: forced succeeds with nothing to do, unforced is not found", () => {
  given([])
    .when(del({ forceDeleteWithoutRecovery: true }))
    .then([]);
  given([]).when(del()).thenRefused({ _tag: "SecretNotFound" });
  given([...withFirstVersion("1"), deleted(["1"], true)])
    .when(del())
    .thenRefused({ _tag: "SecretNotFound" });
});

test("while a secret is scheduled for deletion, changing or reading it is refused", () => {
  const history = [...withFirstVersion("1"), scheduled()];
  const refused = { _tag: "SecretScheduledForDeletion" } as const;
  given(history)
    .when(putSecretValue("2", sealed("2")))
    .thenRefused(refused);
  given(history)
    .when(update({ description: "d" }))
    .thenRefused(refused);
  given(history).when(updateStage("x", "1")).thenRefused(refused);
  given(history)
    .when({ type: "TagResource", data: { tags: [tag("a")], now: NOW } })
    .thenRefused(refused);
  given(history)
    .when({ type: "UntagResource", data: { tagKeys: ["a"], now: NOW } })
    .thenRefused(refused);
  given(history)
    .when(createSecret({ secretString: sealed("1") }))
    .thenRefused({ _tag: "NameScheduledForDeletion" });
});

test("RestoreSecret cancels the deletion; on a secret not scheduled it changes nothing", () => {
  given([...withFirstVersion("1"), scheduled()])
    .when({ type: "RestoreSecret", data: { now: NOW } })
    .then([event("DeletionCancelled", {}, NOW)]);
  given(withFirstVersion("1"))
    .when({ type: "RestoreSecret", data: { now: NOW } })
    .then([]);
  given([])
    .when({ type: "RestoreSecret", data: { now: NOW } })
    .thenRefused({ _tag: "SecretNotFound" });
});

test("the purge completes a deletion only once its recovery window has ended", () => {
  const history = [...withFirstVersion("1"), scheduled(7)];
  given(history)
    .when({ type: "PurgeDeletedSecret", data: { now: NOW + 7 * DAY - 1 } })
    .then([]);
  given(history)
    .when({ type: "PurgeDeletedSecret", data: { now: NOW + 7 * DAY } })
    .then([deleted(["1"], false, NOW + 7 * DAY)]);
  given(withFirstVersion("1"))
    .when({ type: "PurgeDeletedSecret", data: { now: NOW + 365 * DAY } })
    .then([]);
});

test("a deleted secret's name can be created again, as a new secret", () => {
  given([...withFirstVersion("1"), deleted(["1"], true)])
    .when(createSecret({ clientRequestToken: v("9"), secretString: sealed("9") }))
    .thenLabels({ "9": ["AWSCURRENT"] });
});

// §4.8 UpdateSecret

test("UpdateSecret with a value creates a version and moves AWSCURRENT, like PutSecretValue without labels", () => {
  given(withFirstVersion("1"))
    .when(update({ clientRequestToken: v("2"), secretString: sealed("2") }))
    .then([versionAdded("2"), moved("AWSCURRENT", "1", "2"), moved("AWSPREVIOUS", undefined, "1")]);
});

test("UpdateSecret follows the token table", () => {
  given(withFirstVersion("1"))
    .when(update({ clientRequestToken: v("1"), secretString: sealed("1") }))
    .then([]);
  given(withFirstVersion("1"))
    .when(update({ clientRequestToken: v("1"), secretString: sealed("x") }))
    .thenRefused({ _tag: "ClientRequestTokenInUse", token: v("1"), arn: ARN });
  given(withFirstVersion("1"))
    .when(update({ secretString: sealed("x") }))
    .thenRefused({ _tag: "ClientRequestTokenMissing" });
});

test("UpdateSecret without a value changes metadata only, and nothing when nothing differs", () => {
  given(withFirstVersion("1"))
    .when(update({ description: "new", kmsKeyId: "alias/k" }))
    .then([event("SecretUpdated", { description: "new", kmsKeyId: "alias/k" }, NOW)]);
  given([...withFirstVersion("1"), event("SecretUpdated", { description: "same" }, NOW)])
    .when(update({ description: "same" }))
    .then([]);
  given(withFirstVersion("1")).when(update({})).then([]);
});

test("UpdateSecret on a secret that does not exist is refused", () => {
  given([])
    .when(update({ description: "d" }))
    .thenRefused({ _tag: "SecretNotFound" });
});

// §4.15 Tags

test("TagResource adds and overwrites tags; UntagResource removes the keys it has and ignores the rest", () => {
  given(withFirstVersion())
    .when({ type: "TagResource", data: { tags: [tag("a"), tag("b")], now: NOW } })
    .then([event("SecretTagged", { tags: [tag("a"), tag("b")] }, NOW)]);
  given([...withFirstVersion(), event("SecretTagged", { tags: [tag("a")] }, NOW)])
    .when({ type: "UntagResource", data: { tagKeys: ["a", "zzz"], now: NOW } })
    .then([event("SecretUntagged", { tagKeys: ["a"] }, NOW)]);
  given(withFirstVersion())
    .when({ type: "UntagResource", data: { tagKeys: ["a"], now: NOW } })
    .then([]);
});

test(`TagResource beyond ${MAX_TAGS} tags, or with a reserved aws: key, is refused`, () => {
  const many = Array.from({ length: MAX_TAGS }, (_, i) => tag(`k${i}`));
  given([...withFirstVersion(), event("SecretTagged", { tags: many }, NOW)])
    .when({ type: "TagResource", data: { tags: [tag("one-more")], now: NOW } })
    .thenRefused({ _tag: "TagQuotaExceeded", limit: MAX_TAGS });
  given([...withFirstVersion(), event("SecretTagged", { tags: many }, NOW)])
    .when({ type: "TagResource", data: { tags: [tag("k1", "new value")], now: NOW } })
    .then([event("SecretTagged", { tags: [tag("k1", "new value")] }, NOW)]);
  given(withFirstVersion())
    .when({ type: "TagResource", data: { tags: [tag("aws:owner")], now: NOW } })
    .thenRefused({ _tag: "ReservedTagKey", key: "aws:owner" });
});

test.run();
