import { test } from "uvu";
import * as assert from "uvu/assert";
import * as E from "fp-ts/lib/Either.js";
import { MAX_STAGING_LABELS, secretDecider } from "../../src/domain/decider.js";
import { fold, initialState, type ActiveSecret, type SecretState } from "../../src/domain/state.js";
import type { SecretCommand } from "../../src/domain/commands.js";
import { seededRandom } from "../support/random.js";
import {
  ARN,
  created,
  createSecret,
  given,
  label,
  moved,
  NOW,
  POLICY,
  putSecretValue,
  sealed,
  updateStage,
  v,
  versionAdded,
  withFirstVersion,
} from "../support/decider.js";
import { secretCreated, versionCreated, labelMoved } from "../../src/domain/events.js";
import type { SecretName } from "../../src/domain/types.js";

// §4.0 ClientRequestToken and §4.1 CreateSecret

test("CreateSecret with a value creates the secret, its first version and AWSCURRENT on it", () => {
  given([])
    .when(createSecret({ secretString: sealed("a") }))
    .then([
      secretCreated({ name: "db" as SecretName, arn: ARN }, NOW),
      versionCreated(v("1"), sealed("a"), NOW),
      labelMoved(label("AWSCURRENT"), undefined, v("1"), NOW),
    ]);
});

test("CreateSecret without a value creates a secret with no version", () => {
  given([])
    .when(createSecret({ description: "d" }))
    .then([secretCreated({ name: "db" as SecretName, arn: ARN, description: "d" }, NOW)]);
});

test("CreateSecret without a ClientRequestToken is refused", () => {
  const { clientRequestToken: _none, ...data } = createSecret().data;
  given([]).when({ type: "CreateSecret", data }).thenRefused({ _tag: "ClientRequestTokenMissing" });
});

test("CreateSecret with both SecretString and SecretBinary is refused", () => {
  given([])
    .when(createSecret({ secretString: sealed("a"), secretBinary: sealed("b", "binary") }))
    .thenRefused({ _tag: "SecretValueAmbiguous" });
});

test("CreateSecret again with the same token and the same value succeeds and changes nothing", () => {
  given(withFirstVersion("1"))
    .when(createSecret({ secretString: sealed("1") }))
    .then([]);
});

test("CreateSecret again with the same token and another value: the token is in use", () => {
  given(withFirstVersion("1"))
    .when(createSecret({ secretString: sealed("other") }))
    .thenRefused({ _tag: "ClientRequestTokenInUse", token: v("1"), arn: ARN });
});

test("CreateSecret of an existing name with a new token: the secret already exists", () => {
  given(withFirstVersion("1"))
    .when(createSecret({ clientRequestToken: v("2"), secretString: sealed("2") }))
    .thenRefused({ _tag: "SecretAlreadyExists", name: "db" as SecretName });
});

test("CreateSecret of an existing name without a value: the secret already exists", () => {
  given([created()])
    .when(createSecret())
    .thenRefused({ _tag: "SecretAlreadyExists", name: "db" as SecretName });
});

// §4.2 PutSecretValue

test("PutSecretValue on a secret that does not exist is refused", () => {
  given([])
    .when(putSecretValue("2", sealed("2")))
    .thenRefused({ _tag: "SecretNotFound" });
});

test("PutSecretValue without a ClientRequestToken is refused", () => {
  given(withFirstVersion())
    .when(putSecretValue(undefined, sealed("2")))
    .thenRefused({ _tag: "ClientRequestTokenMissing" });
});

test("PutSecretValue without SecretString or SecretBinary is refused", () => {
  given(withFirstVersion()).when(putSecretValue("2", undefined)).thenRefused({ _tag: "SecretValueMissing" });
});

test("PutSecretValue with both SecretString and SecretBinary is refused", () => {
  const both: SecretCommand = {
    type: "PutSecretValue",
    data: {
      clientRequestToken: v("2"),
      secretString: sealed("a"),
      secretBinary: sealed("b", "binary"),
      versionPolicy: POLICY,
      now: NOW,
    },
  };
  given(withFirstVersion()).when(both).thenRefused({ _tag: "SecretValueAmbiguous" });
});

test("PutSecretValue with an existing version's token and the same value changes nothing", () => {
  given(withFirstVersion("1"))
    .when(putSecretValue("1", sealed("1")))
    .then([]);
});

test("PutSecretValue with an existing version's token and another value: the token is in use", () => {
  given(withFirstVersion("1"))
    .when(putSecretValue("1", sealed("changed")))
    .thenRefused({ _tag: "ClientRequestTokenInUse", token: v("1"), arn: ARN });
});

test("PutSecretValue with the same bytes as binary where the version holds a string: the token is in use", () => {
  given(withFirstVersion("1"))
    .when(putSecretValue("1", sealed("1", "binary")))
    .thenRefused({ _tag: "ClientRequestTokenInUse", token: v("1"), arn: ARN });
});

test("PutSecretValue without VersionStages moves AWSCURRENT and gives the old current AWSPREVIOUS", () => {
  given(withFirstVersion("1"))
    .when(putSecretValue("2", sealed("2")))
    .then([versionAdded("2"), moved("AWSCURRENT", "1", "2"), moved("AWSPREVIOUS", undefined, "1")]);
});

test("PutSecretValue: AWSPREVIOUS leaves its former holder, which becomes deprecated", () => {
  given([
    ...withFirstVersion("1"),
    versionAdded("2"),
    moved("AWSCURRENT", "1", "2"),
    moved("AWSPREVIOUS", undefined, "1"),
  ])
    .when(putSecretValue("3", sealed("3")))
    .thenLabels({ "1": [], "2": ["AWSPREVIOUS"], "3": ["AWSCURRENT"] });
});

test("PutSecretValue with only AWSPENDING leaves AWSCURRENT and AWSPREVIOUS where they are", () => {
  given(withFirstVersion("1"))
    .when(putSecretValue("2", sealed("2"), ["AWSPENDING"]))
    .then([versionAdded("2"), moved("AWSPENDING", undefined, "2")]);
});

test("PutSecretValue: the first version of a secret always gets AWSCURRENT, with the labels asked for", () => {
  given([created()])
    .when(putSecretValue("1", sealed("1"), ["AWSPENDING"]))
    .thenLabels({ "1": ["AWSCURRENT", "AWSPENDING"] });
});

test("PutSecretValue moves each listed label; a version left without labels is deprecated", () => {
  const history = [
    ...withFirstVersion("1"),
    versionAdded("2"),
    moved("one", undefined, "2"),
    moved("two", undefined, "2"),
    moved("three", undefined, "2"),
  ];
  given(history)
    .when(putSecretValue("3", sealed("3"), ["one", "two", "three", "four"]))
    .thenLabels({ "1": ["AWSCURRENT"], "2": [], "3": ["four", "one", "three", "two"] });
  given(history)
    .when(putSecretValue("3", sealed("3"), ["one", "two", "four"]))
    .thenLabels({ "1": ["AWSCURRENT"], "2": ["three"], "3": ["four", "one", "two"] });
});

test("PutSecretValue moving AWSCURRENT off a version that also had AWSPENDING drops AWSPENDING (as AWS does)", () => {
  given([...withFirstVersion("1"), moved("AWSPENDING", undefined, "1")])
    .when(putSecretValue("2", sealed("2")))
    .thenLabels({ "1": ["AWSPREVIOUS"], "2": ["AWSCURRENT"] });
});

test("PutSecretValue keeps custom labels on the version that loses AWSCURRENT", () => {
  given([...withFirstVersion("1"), moved("mine", undefined, "1")])
    .when(putSecretValue("2", sealed("2")))
    .thenLabels({ "1": ["AWSPREVIOUS", "mine"], "2": ["AWSCURRENT"] });
});

test("PutSecretValue listing AWSCURRENT and AWSPREVIOUS puts both on the new version", () => {
  given(withFirstVersion("1"))
    .when(putSecretValue("2", sealed("2"), ["AWSCURRENT", "AWSPREVIOUS"]))
    .thenLabels({ "1": [], "2": ["AWSCURRENT", "AWSPREVIOUS"] });
});

test(`PutSecretValue beyond ${MAX_STAGING_LABELS} staging labels on a secret is refused`, () => {
  const history = [...withFirstVersion("1")];
  for (let i = 0; i < MAX_STAGING_LABELS - 1; i++) history.push(moved(`l${i}`, undefined, "1"));
  given(history)
    .when(putSecretValue("2", sealed("2"), ["AWSPENDING"]))
    .thenRefused({ _tag: "StagingLabelQuotaExceeded", limit: MAX_STAGING_LABELS });
  given(history)
    .when(putSecretValue("2", sealed("2"), ["l0"]))
    .thenLabels({
      "1": ["AWSCURRENT", ...Array.from({ length: MAX_STAGING_LABELS - 2 }, (_, i) => `l${i + 1}`)].sort(),
      "2": ["l0"],
    });
});

// §4.9 UpdateSecretVersionStage

const twoVersions = [...withFirstVersion("1"), versionAdded("2"), moved("AWSPENDING", undefined, "2")];

test("UpdateSecretVersionStage moving AWSCURRENT without RemoveFromVersionId is refused, naming the holder", () => {
  given(twoVersions)
    .when(updateStage("AWSCURRENT", "2"))
    .thenRefused({ _tag: "RemoveFromVersionRequired", label: label("AWSCURRENT"), holder: v("1") });
});

test("UpdateSecretVersionStage moving AWSCURRENT: the target keeps AWSPENDING, the old current gets AWSPREVIOUS", () => {
  given(twoVersions)
    .when(updateStage("AWSCURRENT", "2", "1"))
    .then([moved("AWSCURRENT", "1", "2"), moved("AWSPREVIOUS", undefined, "1")]);
});

test("UpdateSecretVersionStage rolling back to AWSPREVIOUS swaps the two versions", () => {
  const afterRotation = [...twoVersions, moved("AWSCURRENT", "1", "2"), moved("AWSPREVIOUS", undefined, "1")];
  given(afterRotation)
    .when(updateStage("AWSCURRENT", "1", "2"))
    .thenLabels({ "1": ["AWSCURRENT"], "2": ["AWSPENDING", "AWSPREVIOUS"] });
});

test("UpdateSecretVersionStage with the wrong RemoveFromVersionId is refused", () => {
  given([...twoVersions, versionAdded("3")])
    .when(updateStage("AWSCURRENT", "2", "3"))
    .thenRefused({ _tag: "RemoveFromVersionMismatch", label: label("AWSCURRENT") });
});

test("UpdateSecretVersionStage with only RemoveFromVersionId detaches a custom label", () => {
  given(twoVersions)
    .when(updateStage("AWSPENDING", undefined, "2"))
    .thenLabels({ "1": ["AWSCURRENT"], "2": [] });
});

test("UpdateSecretVersionStage cannot detach AWSCURRENT without moving it", () => {
  given(twoVersions)
    .when(updateStage("AWSCURRENT", undefined, "1"))
    .thenRefused({ _tag: "CurrentCannotBeDetached" });
});

test("UpdateSecretVersionStage removing a label from a version that lacks it is refused", () => {
  given(twoVersions)
    .when(updateStage("AWSPENDING", undefined, "1"))
    .thenRefused({ _tag: "StageNotOnRemoveFromVersion", label: label("AWSPENDING"), versionId: v("1") });
});

test("UpdateSecretVersionStage attaches a label that is on no version with MoveToVersionId alone", () => {
  given(twoVersions)
    .when(updateStage("blue", "1"))
    .then([moved("blue", undefined, "1")]);
});

test("UpdateSecretVersionStage moving a label to the version that has it changes nothing", () => {
  given(twoVersions)
    .when(updateStage("AWSCURRENT", "1", "1"))
    .then([]);
});

test("UpdateSecretVersionStage to or from an unknown version is refused", () => {
  given(twoVersions)
    .when(updateStage("blue", "9"))
    .thenRefused({ _tag: "UnknownVersion", versionId: v("9") });
  given(twoVersions)
    .when(updateStage("AWSPENDING", "1", "9"))
    .thenRefused({ _tag: "UnknownVersion", versionId: v("9") });
});

test("UpdateSecretVersionStage with neither version is refused", () => {
  given(twoVersions).when(updateStage("AWSPENDING")).thenRefused({ _tag: "StageTargetMissing" });
});

test("UpdateSecretVersionStage on a secret that does not exist is refused", () => {
  given([]).when(updateStage("AWSCURRENT", "1")).thenRefused({ _tag: "SecretNotFound" });
});

// §5.1 invariants, over many random commands

test("label invariants hold after any sequence of commands", () => {
  const random = seededRandom(42).below;
  const labels = ["AWSCURRENT", "AWSPREVIOUS", "AWSPENDING", "a", "b", "c"];
  for (let run = 0; run < 50; run++) {
    let state: SecretState = fold([created()], initialState);
    let versions = 0;
    for (let step = 0; step < 60; step++) {
      const pick = random(3);
      const known = Math.max(versions, 1);
      const command: SecretCommand =
        pick === 0
          ? putSecretValue(
              String(versions + 1),
              sealed(String(versions + 1)),
              random(2) === 0 ? undefined : [labels[random(6)] as string],
            )
          : pick === 1
            ? updateStage(
                labels[random(6)] as string,
                String(random(known) + 1),
                random(2) === 0 ? undefined : String(random(known) + 1),
              )
            : putSecretValue(String(random(known) + 1), sealed(String(random(known + 1) + 1)));
      const decision = secretDecider.decide(command, state);
      if (E.isLeft(decision)) continue;
      state = fold(decision.right, state);
      const secret = state as ActiveSecret;
      versions = secret.versions.size;
      // Every label is on a version that exists; a non-empty secret always has AWSCURRENT; at most 20 labels.
      for (const [, holder] of secret.labels) assert.ok(secret.versions.has(holder));
      // AWS's labels ride on the versions' records: the labels are over the state's own versions.
      assert.ok(secret.labels.versions === secret.versions);
      assert.is(secret.labels.has(label("AWSCURRENT")), versions > 0);
      assert.ok(secret.labels.size <= MAX_STAGING_LABELS);
    }
  }
});

test.run();
