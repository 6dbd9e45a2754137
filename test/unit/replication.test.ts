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
import { arnInRegion } from "../../src/replication/followed-region.js";
import { copiesReported, type KnownCopies } from "../../src/replication/known-copies.js";
import { ReplicationMonitor } from "../../src/replication/replication-monitor.js";
import type { ReplicationReport } from "../../src/store/replication-reports.js";
import { SecretCatalog } from "../../projections/secret-catalog.js";
import {
  ARN,
  createSecret,
  given,
  label,
  moved,
  NOW,
  sealed,
  v,
  versionAdded,
  withFirstVersion,
} from "../support/decider.js";

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

test("a replica region's last report says which keys were copied there, into which key store, wrapped how", () => {
  const catalog = new SecretCatalog();
  catalog.apply(5, "db", [...withFirstVersion("1"), added([{ region: "eu-west-1" }])]);
  catalog.apply(9, "db", [versionAdded("2"), moved("AWSCURRENT", "1", "2"), moved("AWSPREVIOUS", undefined, "1")]);
  const state = catalog.entry("db").state as ActiveSecret;
  const replica = state.replicas?.[0];
  if (replica === undefined) throw new Error("no replica");
  const copied = { store: "2026-12-07T07:00:00.000Z", keyId: "k", generation: 1 };
  // In sync as of the first record: version 1's key is there, version 2 (made since) has none yet.
  const report: ReplicationReport = { arn: ARN, addedAt: replica.addedAt, seq: 5, status: "InSync", keys: copied };
  const known = (sent: ReplicationReport | undefined, now = copied): ReturnType<KnownCopies>[] => {
    const copies = copiesReported(sent, state, replica, now);
    return [...state.versions].map(([id, { value }]) => copies(id, value));
  };
  assert.equal(known(report), ["here", "none"]);
  assert.equal(known({ ...report, seq: 9 }), ["here", "here"]);
  // Its master key turned to new material since: each key copied is read, to be wrapped anew.
  assert.equal(known(report, { ...copied, generation: 2 }), ["check", "none"]);
  // The key store was made again since: none of the copies is there.
  assert.equal(known(report, { ...copied, store: "2026-12-07T08:00:00.000Z" }), ["none", "none"]);
  // A report from before reports said where the keys went: each is read.
  const { keys: _keys, ...older } = report;
  assert.equal(known(older), ["check", "none"]);
  // Failed, about an earlier addition of the region or another secret of that name, or none at all.
  for (const other of [
    { ...report, status: "Failed" as const },
    { ...report, addedAt: replica.addedAt - 1 },
    { ...report, arn: `${ARN}x` },
    undefined,
  ])
    assert.equal(known(other), ["none", "none"]);
});

test.run();
