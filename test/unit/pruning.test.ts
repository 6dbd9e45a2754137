import { test } from "uvu";
import * as assert from "uvu/assert";
import { event, type SecretEvent } from "../../src/domain/events.js";
import { prunableVersions } from "../../src/domain/pruning.js";
import { selectVersion } from "../../src/domain/queries.js";
import { fold, type ActiveSecret } from "../../src/domain/state.js";
import { versionCreated, labelMoved } from "../../src/domain/events.js";
import { ARN, HOUR, NOW, POLICY, created, given, label, putSecretValue, sealed, v } from "../support/decider.js";

/** A secret with `count` versions, one an hour from NOW - count hours; the last holds AWSCURRENT. */
const history = (count: number, extra: SecretEvent[] = []): SecretEvent[] => {
  const events: SecretEvent[] = [created()];
  for (let i = 1; i <= count; i++)
    events.push(versionCreated(v(String(i)), sealed(String(i)), NOW - (count - i + 1) * HOUR));
  events.push(labelMoved(label("AWSCURRENT"), undefined, v(String(count)), NOW));
  return [...events, ...extra];
};
const pruned = (ids: number[]): SecretEvent =>
  event("VersionsPruned", { arn: ARN, versionIds: ids.map((i) => v(String(i))) }, NOW);
const prune = { type: "PruneVersions" as const, data: { versionPolicy: POLICY, now: NOW } };
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test("nothing is pruned while a secret holds no more than 100 versions", () => {
  given(history(100)).when(prune).then([]);
});

test("beyond 100, the oldest label-less versions older than 24 hours go, until 100 remain", () => {
  given(history(130))
    .when(prune)
    .then([pruned(range(1, 30))]);
});

test("never a labelled version, never one younger than 24 hours", () => {
  const labelled = [
    labelMoved(label("keep-me"), undefined, v("1"), NOW),
    labelMoved(label("AWSPREVIOUS"), undefined, v("2"), NOW),
  ];
  given(history(130, labelled))
    .when(prune)
    .then([pruned(range(3, 32))]);
  // 110 versions, of which only the 5 oldest are more than 24 hours old: 10 are in excess, 5 may go.
  const young = history(110).map((e) =>
    e.type === "VersionCreated" && Number(e.data.versionId.replace(/-+$/, "")) > 5
      ? { ...e, meta: { ...e.meta, at: NOW - HOUR } }
      : e,
  );
  given(young)
    .when(prune)
    .then([pruned(range(1, 5))]);
});

test("a pruned version is gone: not in the state, not readable by its id", () => {
  const state = fold(history(130, [pruned(range(1, 30))])) as ActiveSecret;
  assert.is(state.versions.size, 100);
  assert.equal(selectVersion(state, { versionId: v("1") }), {
    _tag: "Left",
    left: { _tag: "VersionNotFound", versionId: v("1") },
  });
  assert.equal(prunableVersions(state, NOW, POLICY), []);
});

test("the version quota: a full secret prunes what it may first, in the same command", () => {
  given(history(150))
    .when(putSecretValue("new", sealed("new")))
    .then([
      pruned(range(1, 50)),
      versionCreated(v("new"), sealed("new"), NOW),
      labelMoved(label("AWSCURRENT"), v("150"), v("new"), NOW),
      labelMoved(label("AWSPREVIOUS"), undefined, v("150"), NOW),
    ]);
});

test("the version quota: with nothing prunable, a new version is refused", () => {
  const allYoung = history(150).map((e) =>
    e.type === "VersionCreated" ? { ...e, meta: { ...e.meta, at: NOW - HOUR } } : e,
  );
  given(allYoung)
    .when(putSecretValue("new", sealed("new")))
    .thenRefused({ _tag: "VersionQuotaExceeded", quota: 150 });
  given(allYoung)
    .when(putSecretValue("new", sealed("new"), undefined, NOW + 24 * HOUR))
    .thenLabels({
      ...Object.fromEntries(range(51, 149).map((i): [string, string[]] => [String(i), []])),
      "150": ["AWSPREVIOUS"],
      new: ["AWSCURRENT"],
    });
});

test.run();
