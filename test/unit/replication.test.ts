import { test } from "uvu";
import * as assert from "uvu/assert";
import * as E from "fp-ts/lib/Either.js";
import { entryAt, entryBytes } from "../../projections/catalog-snapshot.js";
import type { PromoteReplica, SecretCommand } from "../../src/domain/commands.js";
import { secretDecider } from "../../src/domain/decider.js";
import {
  event,
  type ReplicaRegionsAdded,
  type ReplicaRegionsRemoved,
  type SecretEvent,
} from "../../src/domain/events.js";
import { fold, initialState, type ActiveSecret } from "../../src/domain/state.js";
import type { SecretName } from "../../src/domain/types.js";
import { arnInRegion } from "../../src/replication/replica-secret.js";
import { ReplicationMonitor } from "../../src/replication/replication-monitor.js";
import { ReportQueue } from "../../src/replication/report-queue.js";
import type { ReplicationReport } from "../../src/store/replication-reports.js";
import { ARN, createSecret, given, label, NOW, sealed, v, withFirstVersion } from "../support/decider.js";

// §4.16 Replication, as the decider and the primary's monitor decide it.

const HOME = "us-east-1";
const replicate = (regions: Array<{ region: string; kmsKeyId?: string }>, forceOverwrite?: boolean): SecretCommand => ({
  type: "ReplicateSecretToRegions",
  data: { regions, homeRegion: HOME, ...(forceOverwrite === undefined ? {} : { forceOverwrite }), now: NOW },
});
const added = (regions: ReplicaRegionsAdded["data"]["regions"], at = NOW): SecretEvent =>
  event<ReplicaRegionsAdded>("ReplicaRegionsAdded", { regions }, at);
const removed = (regions: string[], promoted?: boolean): SecretEvent =>
  event<ReplicaRegionsRemoved>("ReplicaRegionsRemoved", { regions, ...(promoted ? { promoted } : {}) }, NOW);

test("CreateSecret with AddReplicaRegions replicates the new secret after its first version", () => {
  const decision = secretDecider.decide(
    createSecret({ secretString: sealed("a"), replication: { regions: [{ region: "eu-west-1" }], homeRegion: HOME } }),
    fold([]),
  );
  assert.ok(E.isRight(decision));
  if (E.isRight(decision)) {
    assert.equal(
      decision.right.map((e) => e.type),
      ["SecretCreated", "VersionCreated", "LabelMoved", "ReplicaRegionsAdded"],
    );
    assert.equal(decision.right[3], added([{ region: "eu-west-1" }]));
  }
});

test("the secret's own region, an empty one, or a region twice is not a replica region", () => {
  for (const regions of [[{ region: HOME }], [{ region: "" }], [{ region: "eu-west-1" }, { region: "eu-west-1" }]])
    given(withFirstVersion()).when(replicate(regions)).thenRefused({ _tag: "InvalidReplicaRegion" });
  given([])
    .when(createSecret({ replication: { regions: [{ region: HOME }], homeRegion: HOME } }))
    .thenRefused({ _tag: "InvalidReplicaRegion" });
});

test("a region already replicated with the same settings changes nothing; another KmsKeyId or a forced overwrite adds it anew", () => {
  const history = [...withFirstVersion(), added([{ region: "eu-west-1" }])];
  given(history)
    .when(replicate([{ region: "eu-west-1" }]))
    .then([]);
  given(history)
    .when(replicate([{ region: "eu-west-1", kmsKeyId: "alias/k" }]))
    .then([added([{ region: "eu-west-1", kmsKeyId: "alias/k" }])]);
  given(history)
    .when(replicate([{ region: "eu-west-1" }], true))
    .then([added([{ region: "eu-west-1", forceOverwrite: true }])]);
  const state = fold([...history, added([{ region: "eu-west-1", kmsKeyId: "alias/k" }], NOW + 1)]) as ActiveSecret;
  assert.equal(state.replicas, [{ region: "eu-west-1", kmsKeyId: "alias/k", addedAt: NOW + 1 }]);
});

test("removing regions: those replicated go, others are ignored, and again it changes nothing", () => {
  const history = [...withFirstVersion(), added([{ region: "eu-west-1" }, { region: "ap-south-1" }])];
  const remove = (regions: string[]): SecretCommand => ({
    type: "RemoveRegionsFromReplication",
    data: { regions, now: NOW },
  });
  given(history)
    .when(remove(["eu-west-1", "sa-east-1"]))
    .then([removed(["eu-west-1"])]);
  given([...history, removed(["eu-west-1"])])
    .when(remove(["eu-west-1"]))
    .then([]);
});

test("a promotion report removes the region only for the addition it came from", () => {
  const history = [...withFirstVersion(), added([{ region: "eu-west-1" }], NOW)];
  const promoted = (addedAt: number): SecretCommand => ({
    type: "RemoveRegionsFromReplication",
    data: { regions: ["eu-west-1"], promoted: { addedAt }, now: NOW },
  });
  given(history)
    .when(promoted(NOW))
    .then([removed(["eu-west-1"], true)]);
  given(history)
    .when(promoted(NOW - 1))
    .then([]);
});

test("a primary with replicas is not deleted, with or without recovery", () => {
  const history = [...withFirstVersion(), added([{ region: "eu-west-1" }])];
  for (const data of [{ now: NOW }, { forceDeleteWithoutRecovery: true, now: NOW }])
    given(history)
      .when({ type: "DeleteSecret", data })
      .thenRefused({ _tag: "SecretHasReplicas", arn: ARN, regions: ["eu-west-1"] });
});

test("a promoted replica keeps its versions' creation dates and labels, and says what it was", () => {
  const replicaArn = arnInRegion(ARN, "eu-west-1");
  assert.is(replicaArn, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf");
  const promote: PromoteReplica = {
    type: "PromoteReplica",
    data: {
      replica: {
        name: "db" as SecretName,
        arn: replicaArn,
        tags: [{ Key: "team", Value: "blue" }],
        versions: [
          { versionId: v("1"), createdAt: NOW - 5000, value: sealed("a") },
          { versionId: v("2"), createdAt: NOW - 1000, value: sealed("b") },
        ],
        labels: [
          [label("AWSCURRENT"), v("2")],
          [label("AWSPREVIOUS"), v("1")],
        ],
      },
      promotedFrom: ARN,
      now: NOW,
    },
  };
  const decision = secretDecider.decide(promote, fold([]));
  assert.ok(E.isRight(decision));
  if (E.isLeft(decision)) return;
  const state = fold(decision.right) as ActiveSecret;
  assert.is(state.arn, replicaArn);
  assert.is(state.promotedFrom, ARN);
  assert.is(state.versions.get(v("1"))?.createdAt, NOW - 5000);
  assert.is(state.labels.get(label("AWSCURRENT")), v("2"));
  assert.equal(state.tags, [{ Key: "team", Value: "blue" }]);
  // Over a secret of the same name here, it is refused.
  given(withFirstVersion())
    .when(promote)
    .thenRefused({ _tag: "SecretAlreadyExists", name: "db" as SecretName });
});

test("a checkpoint keeps a secret's replica regions and where a promoted one came from", () => {
  const state = fold(
    [...withFirstVersion(), added([{ region: "eu-west-1", kmsKeyId: "alias/k", forceOverwrite: true }])],
    initialState,
    7,
  ) as ActiveSecret;
  const entry = { state: { ...state, promotedFrom: "arn:elsewhere" }, subjectSeq: 7 };
  const back = entryAt(Buffer.from(entryBytes("db", entry)), 0);
  assert.ok(E.isRight(back));
  if (E.isRight(back)) assert.equal(back.right, entry);
});

test("the primary's status of a replica: in progress until reported at its last record, failed with the reason", () => {
  const promotions: string[] = [];
  const monitor = new ReplicationMonitor((name, region) => promotions.push(`${name}@${region}`));
  const secret = fold([...withFirstVersion(), added([{ region: "eu-west-1" }], NOW)]) as ActiveSecret;
  const status = (seq: number) => monitor.statusOf(secret, seq)[0];
  assert.equal(status(10), { Region: "eu-west-1", KmsKeyId: "alias/aws/secretsmanager", Status: "InProgress" });
  monitor.received("eu-west-1", "db", { arn: ARN, addedAt: NOW, seq: 10, status: "InSync" });
  assert.is(status(10)?.Status, "InSync");
  assert.is(status(11)?.Status, "InProgress");
  // A report about another incarnation of the name, or an earlier addition of the region, does not count.
  monitor.received("eu-west-1", "db", { arn: "arn:other", addedAt: NOW, seq: 99, status: "InSync" });
  assert.is(status(10)?.Status, "InProgress");
  monitor.received("eu-west-1", "db", { arn: ARN, addedAt: NOW - 1, seq: 99, status: "InSync" });
  assert.is(status(10)?.Status, "InProgress");
  monitor.received("eu-west-1", "db", { arn: ARN, addedAt: NOW, seq: 10, status: "Failed", message: "why" });
  assert.equal(status(12), {
    Region: "eu-west-1",
    KmsKeyId: "alias/aws/secretsmanager",
    Status: "Failed",
    StatusMessage: "why",
  });
  monitor.received("eu-west-1", "db", { arn: ARN, addedAt: NOW, seq: 12, status: "Promoted" });
  assert.equal(promotions, ["db@eu-west-1"]);
});

test("a replica region's watermark puts in sync every replica at or below it, unless a report of its own says otherwise", () => {
  const monitor = new ReplicationMonitor(() => undefined);
  const secret = fold([...withFirstVersion(), added([{ region: "eu-west-1" }], NOW)]) as ActiveSecret;
  const status = (seq: number) => monitor.statusOf(secret, seq)[0]?.Status;
  monitor.receivedWatermark("eu-west-1", { seq: 20 });
  assert.is(status(20), "InSync");
  assert.is(status(21), "InProgress");
  // Another region's watermark says nothing of this one.
  monitor.receivedWatermark("ap-south-1", { seq: 99 });
  assert.is(status(21), "InProgress");
  // A report of its own in sync further on than the watermark counts too.
  monitor.received("eu-west-1", "db", { arn: ARN, addedAt: NOW, seq: 21, status: "InSync" });
  assert.is(status(21), "InSync");
  // Failed: whatever the watermark says, until a report of its own says otherwise.
  monitor.received("eu-west-1", "db", { arn: ARN, addedAt: NOW, seq: 15, status: "Failed", message: "why" });
  assert.is(status(10), "Failed");
  monitor.received("eu-west-1", "db", { arn: ARN, addedAt: NOW, seq: 15, status: "Promoted" });
  assert.is(status(10), "InProgress");
  // A failure about another incarnation of the name does not hide this one's watermark.
  monitor.received("eu-west-1", "db", { arn: "arn:other", addedAt: NOW, seq: 15, status: "Failed" });
  assert.is(status(10), "InSync");
  // A watermark that went back (the region started over) is what counts.
  monitor.receivedWatermark("eu-west-1", { seq: 5 });
  assert.is(status(10), "InProgress");
});

/** A report queue over in-memory sends: what reached the primary, in order. */
const reportQueue = (checkpoint: () => number | undefined) => {
  const sent: string[] = [];
  let idle: () => void = () => undefined;
  const queue = new ReportQueue({
    send: (name, report) => {
      sent.push(`${name} ${report.status} ${report.seq}`);
      return Promise.resolve();
    },
    sendWatermark: ({ seq }) => {
      sent.push(`watermark ${seq}`);
      return Promise.resolve();
    },
    checkpoint,
    changed: () => {
      if (queue.idle) idle();
    },
  });
  const settled = () =>
    new Promise<void>((resolve) => {
      if (queue.idle) resolve();
      else idle = resolve;
    });
  return { queue, sent, settled };
};

const report = (status: ReplicationReport["status"], seq: number): ReplicationReport => ({
  arn: ARN,
  addedAt: NOW,
  seq,
  status,
});

test("a replica region reports in sync by its watermark, and a single secret only when it is not, or was not", async () => {
  let mark: number | undefined;
  const { queue, sent, settled } = reportQueue(() => mark);
  queue.restore({
    reports: new Map([
      ["was-failed", report("Failed", 3)],
      ["fine", report("InSync", 4)],
    ]),
    watermark: { seq: 7 },
  });
  // The first pass: no watermark yet; a replica the primary holds as failed is told it is in sync now.
  queue.report("fine", report("InSync", 4), 4);
  queue.report("was-failed", report("InSync", 5), 5);
  queue.report("still-failing", report("Failed", 6), 6);
  await settled();
  assert.equal(sent, ["was-failed InSync 5", "still-failing Failed 6"]);
  // Its end: the watermark, unless the primary holds that one already.
  mark = 7;
  queue.firstPassOver();
  await settled();
  assert.is(sent.length, 2);
  mark = 9;
  // The same failure again is not sent again; a failure is sent before the watermark asked for after it.
  queue.report("still-failing", report("Failed", 6), 6);
  queue.report("new-failure", report("Failed", 9), 9);
  queue.report("fine", report("InSync", 9), 9);
  await settled();
  assert.equal(sent.slice(2), ["new-failure Failed 9", "watermark 9"]);
});

test("a replica region that could not read what its primary holds reports each replica in its first pass", async () => {
  const { queue, sent, settled } = reportQueue(() => 4);
  queue.restore(undefined);
  queue.report("a", report("InSync", 3), 3);
  queue.report("b", report("InSync", 4), 4);
  await settled();
  assert.equal(sent, ["a InSync 3", "b InSync 4"]);
  queue.firstPassOver();
  queue.report("a", report("InSync", 4), 4);
  await settled();
  assert.equal(sent.slice(2), ["watermark 4"]);
});

test.run();
