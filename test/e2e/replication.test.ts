/* eslint-disable max-lines -- Over 300 lines: the two-region setup (two nats-servers over a leafnode, two services)
   is costly to start, so every replication scenario shares it in this one file. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  ListSecretsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  CancelRotateSecretCommand,
  StopReplicationToReplicaCommand,
  TagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import type { RunningNatsServer } from "../../src/store/nats-server.js";
import { arnInRegion } from "../../src/replication/replica-secret.js";
import { bucketOf } from "../../src/store/key-copies.js";
import { keyStreamName, replicationStreamName, streamName } from "../../src/store/subjects.js";
import { createKey, readKeyringFile, rotateKey, writeKeyringFile } from "../../src/crypto/keyring.js";
import { dataKeyOf, sharedKeyring, startTestApp, type TestApp } from "../support/app.js";
import { startOwnNatsServer, tempDir } from "../support/nats.js";
import { awsCli, awsCliUnavailable } from "../support/aws-cli.js";
import { secretLedger } from "../support/cli.js";
import { putUntilTaken, sdkError } from "../support/sdk.js";
import { told } from "../support/hooks.js";

// Two regions on loopback, as docs/regions.md runs them: each its own nats-server (its JetStream domain the region
// name), the replica region's joined to the primary's by a leafnode, and a service in each.

const PRIMARY = "us-east-1";
const REPLICA = "eu-west-1";
const OTHER = "ap-south-1";
const HOUR = 60 * 60 * 1000;
const CANARY = "canary-7d1f0c2e-replicated-value";
const NOT_PERMITTED = "Operation not permitted on a replica secret. Call must be made in primary secret's region.";

type Regions = {
  natsA: RunningNatsServer;
  natsADir: string;
  natsB: RunningNatsServer;
  a: TestApp;
  b: TestApp;
  /** A third region that follows the primary with a keyring of its own, without the primary's keys. */
  natsC: RunningNatsServer;
  c: TestApp;
  /** A key of the shared keyring for replicas: alias/replica-key. */
  replicaKeyId: string;
  now: number;
};

const Replication = suite<Regions>("replication");

Replication.before(
  told(async (ctx) => {
    const keyringFile = sharedKeyring();
    const withReplicaKey = createKey(readKeyringFile(keyringFile), { alias: "alias/replica-key" });
    writeKeyringFile(keyringFile, withReplicaKey.file);
    ctx.replicaKeyId = withReplicaKey.keyId;
    ctx.natsADir = tempDir("nats-a");
    ctx.natsA = await startOwnNatsServer(ctx.natsADir, undefined, { name: PRIMARY });
    ctx.natsB = await startOwnNatsServer(tempDir("nats-b"), undefined, {
      name: REPLICA,
      remotes: [ctx.natsA.leafnodeUrl],
    });
    ctx.now = Date.now();
    ctx.a = await startTestApp({
      region: PRIMARY,
      natsUrl: ctx.natsA.url,
      keyringFile,
      clock: () => ctx.now,
      versions: { keep: 3, minAgeHours: 1, quota: 20 },
      // Each region is a primary of its own secrets too: this one follows the other over the same leafnode.
      follows: [REPLICA],
    });
    ctx.b = await startTestApp({ region: REPLICA, natsUrl: ctx.natsB.url, keyringFile, follows: [PRIMARY] });
    ctx.natsC = await startOwnNatsServer(tempDir("nats-c"), undefined, {
      name: OTHER,
      remotes: [ctx.natsA.leafnodeUrl],
    });
    ctx.c = await startTestApp({ region: OTHER, natsUrl: ctx.natsC.url, follows: [PRIMARY] });
  }),
);

Replication.after(
  told(async ({ a, b, c, natsA, natsB, natsC }) => {
    await c.stop();
    await b.stop();
    await a.stop();
    await natsC.stop();
    await natsB.stop();
    await natsA.stop();
  }),
);

/** Resolves once the replica regions have everything the primary's log holds now, served and reported. */
const replicated = async ({ a, b, c }: Regions): Promise<void> => {
  const seq = await a.log.lastSeq();
  await Promise.all([b.whenReplicaCaughtUp(PRIMARY, seq), c.whenReplicaCaughtUp(PRIMARY, seq)]);
};

const statusIn = (a: TestApp, name: string, region: string): string | undefined =>
  a.replicationStatusOf(name).find((r) => r.Region === region)?.Status;

const replicaArnOf = (arn: string): string => arn.replace(`:${PRIMARY}:`, `:${REPLICA}:`);

const create = (client: SecretsManagerClient, name: string, value: string, replicate = true) =>
  client.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: value,
      ClientRequestToken: randomUUID(),
      ...(replicate ? { AddReplicaRegions: [{ Region: REPLICA }] } : {}),
    }),
  );

Replication(
  "a secret created with AddReplicaRegions is served in the replica region, under its ARN there",
  async (ctx) => {
    const { a, b } = ctx;
    const created = await create(a.client, "app/db", CANARY);
    assert.equal(created.ReplicationStatus, [
      { Region: REPLICA, KmsKeyId: "alias/aws/secretsmanager", Status: "InProgress" },
    ]);
    await replicated(ctx);
    const replicaArn = replicaArnOf(created.ARN as string);
    const value = await b.client.send(new GetSecretValueCommand({ SecretId: "app/db" }));
    assert.is(value.SecretString, CANARY);
    assert.is(value.ARN, replicaArn);
    assert.is((await b.client.send(new GetSecretValueCommand({ SecretId: replicaArn }))).SecretString, CANARY);
    const there = await b.client.send(new DescribeSecretCommand({ SecretId: replicaArn }));
    const here = await a.client.send(new DescribeSecretCommand({ SecretId: "app/db" }));
    assert.is(there.ARN, replicaArn);
    assert.is(there.PrimaryRegion, PRIMARY);
    assert.is(there.ReplicationStatus, undefined);
    assert.equal(there.VersionIdsToStages, here.VersionIdsToStages);
    assert.is(here.PrimaryRegion, PRIMARY);
    // The primary shows the replica in sync once the region reports it.
    await a.whenReplicationReported(() => statusIn(a, "app/db", REPLICA) === "InSync");
    const described = await a.client.send(new DescribeSecretCommand({ SecretId: "app/db" }));
    assert.equal(described.ReplicationStatus, [
      { Region: REPLICA, KmsKeyId: "alias/aws/secretsmanager", Status: "InSync" },
    ]);
    // The replica is listed in its region with its primary region; the primary's own ARN names nothing there.
    const listed = await b.client.send(
      new ListSecretsCommand({ Filters: [{ Key: "primary-region", Values: [PRIMARY] }] }),
    );
    assert.equal(
      listed.SecretList?.map((s) => [s.ARN, s.PrimaryRegion]),
      [[replicaArn, PRIMARY]],
    );
    assert.is(
      (await sdkError(b.client.send(new GetSecretValueCommand({ SecretId: created.ARN })))).name,
      "ResourceNotFoundException",
    );
    // A region it was not replicated to has no replica of it, though it follows the same log.
    const elsewhere = await sdkError(ctx.c.client.send(new GetSecretValueCommand({ SecretId: "app/db" })));
    assert.is(elsewhere.name, "ResourceNotFoundException");
  },
);

Replication("the AWS CLI replicates, reads the replica, and promotes it, as docs/regions.md shows", async (ctx) => {
  const skip = awsCliUnavailable();
  if (skip !== undefined) return void process.stdout.write(`\n  skipped: the AWS CLI replication test: ${skip}\n`);
  const primary = awsCli(ctx.a);
  const replica = awsCli(ctx.b);
  const created = await primary.json("create-secret", "--name", "cli/replicated", "--secret-string", "from the CLI");
  const replicating = await primary.json(
    "replicate-secret-to-regions",
    "--secret-id",
    "cli/replicated",
    "--add-replica-regions",
    `Region=${REPLICA},KmsKeyId=alias/replica-key`,
  );
  assert.equal(replicating["ReplicationStatus"], [
    { Region: REPLICA, KmsKeyId: "alias/replica-key", Status: "InProgress" },
  ]);
  await replicated(ctx);
  const value = await replica.json("get-secret-value", "--secret-id", "cli/replicated");
  assert.is(value["SecretString"], "from the CLI");
  assert.is(value["ARN"], replicaArnOf(String(created["ARN"])));
  const refusal = await replica.failure("put-secret-value", "--secret-id", "cli/replicated", "--secret-string", "x");
  assert.match(refusal, /InvalidParameterException.*Operation not permitted on a replica secret/);
  await ctx.a.whenReplicationReported(() => statusIn(ctx.a, "cli/replicated", REPLICA) === "InSync");
  const described = await primary.json("describe-secret", "--secret-id", "cli/replicated");
  assert.equal(described["ReplicationStatus"], [{ Region: REPLICA, KmsKeyId: "alias/replica-key", Status: "InSync" }]);
  const stopped = await replica.json("stop-replication-to-replica", "--secret-id", "cli/replicated");
  assert.is(stopped["ARN"], replicaArnOf(String(created["ARN"])));
  await ctx.a.whenReplicationReported(() => ctx.a.replicationStatusOf("cli/replicated").length === 0);
  const removed = await primary.json(
    "remove-regions-from-replication",
    "--secret-id",
    "cli/replicated",
    "--remove-replica-regions",
    REPLICA,
  );
  assert.equal(removed["ReplicationStatus"], []);
});

Replication(
  "replication goes the other way over the same leafnode: the replica region is a primary too",
  async (ctx) => {
    const { a, b } = ctx;
    const created = await b.client.send(
      new CreateSecretCommand({
        Name: "eu/only",
        SecretString: "made in eu-west-1",
        ClientRequestToken: randomUUID(),
        AddReplicaRegions: [{ Region: PRIMARY }],
      }),
    );
    await a.whenReplicaCaughtUp(REPLICA, await b.log.lastSeq());
    const value = await a.client.send(new GetSecretValueCommand({ SecretId: "eu/only" }));
    assert.is(value.SecretString, "made in eu-west-1");
    assert.is(value.ARN, (created.ARN as string).replace(`:${REPLICA}:`, `:${PRIMARY}:`));
    assert.is((await a.client.send(new DescribeSecretCommand({ SecretId: "eu/only" }))).PrimaryRegion, REPLICA);
    await b.whenReplicationReported(() => b.replicationStatusOf("eu/only")[0]?.Status === "InSync");
  },
);

Replication("new values and label moves reach the replica", async (ctx) => {
  const { a, b } = ctx;
  const created = await create(a.client, "app/api-key", "v1");
  const v2 = randomUUID();
  await a.client.send(
    new PutSecretValueCommand({ SecretId: "app/api-key", SecretString: "v2", ClientRequestToken: v2 }),
  );
  await a.client.send(
    new UpdateSecretVersionStageCommand({
      SecretId: "app/api-key",
      VersionStage: "blue",
      MoveToVersionId: created.VersionId,
    }),
  );
  await replicated(ctx);
  const read = (selector: { VersionStage?: string; VersionId?: string }) =>
    b.client.send(new GetSecretValueCommand({ SecretId: "app/api-key", ...selector }));
  assert.is((await read({})).SecretString, "v2");
  assert.is((await read({})).VersionId, v2);
  assert.is((await read({ VersionStage: "AWSPREVIOUS" })).SecretString, "v1");
  assert.is((await read({ VersionStage: "blue" })).VersionId, created.VersionId);
  const versions = await b.client.send(new ListSecretVersionIdsCommand({ SecretId: "app/api-key" }));
  assert.equal(
    Object.fromEntries((versions.Versions ?? []).map((v) => [v.VersionId, [...(v.VersionStages ?? [])].sort()])),
    { [v2]: ["AWSCURRENT"], [created.VersionId as string]: ["AWSPREVIOUS", "blue"] },
  );
});

Replication("a replica refuses writes as AWS does, and nothing changes in either region", async (ctx) => {
  const { a, b } = ctx;
  const created = await create(a.client, "app/readonly", "kept");
  await replicated(ctx);
  const replicaArn = replicaArnOf(created.ARN as string);
  const lastSeqB = await b.log.lastSeq();
  const lastSeqA = await a.log.lastSeq();
  for (const call of [
    new PutSecretValueCommand({ SecretId: replicaArn, SecretString: "no", ClientRequestToken: randomUUID() }),
    new UpdateSecretCommand({ SecretId: "app/readonly", Description: "no" }),
    new TagResourceCommand({ SecretId: replicaArn, Tags: [{ Key: "k", Value: "v" }] }),
    new DeleteSecretCommand({ SecretId: replicaArn, ForceDeleteWithoutRecovery: true }),
    new RestoreSecretCommand({ SecretId: replicaArn }),
    new PutResourcePolicyCommand({ SecretId: replicaArn, ResourcePolicy: "{}" }),
    new ReplicateSecretToRegionsCommand({ SecretId: replicaArn, AddReplicaRegions: [{ Region: "ap-south-1" }] }),
    new RemoveRegionsFromReplicationCommand({ SecretId: replicaArn, RemoveReplicaRegions: [REPLICA] }),
    new RotateSecretCommand({
      SecretId: replicaArn,
      RotationLambdaARN: `arn:aws:lambda:${REPLICA}:123456789012:function:builtin`,
      ClientRequestToken: randomUUID(),
    }),
    new CancelRotateSecretCommand({ SecretId: replicaArn }),
  ]) {
    const e = await sdkError(b.client.send(call as never));
    assert.equal(
      [e.name, e.message, e.status],
      ["InvalidParameterException", NOT_PERMITTED, 400],
      call.constructor.name,
    );
  }
  const taken = await sdkError(create(b.client, "app/readonly", "mine", false));
  assert.is(taken.name, "ResourceExistsException");
  assert.is(await b.log.lastSeq(), lastSeqB);
  assert.is(await a.log.lastSeq(), lastSeqA);
  assert.is((await b.client.send(new GetSecretValueCommand({ SecretId: replicaArn }))).SecretString, "kept");
});

Replication("the primary refuses its own region as a replica, and a delete while replicas remain", async (ctx) => {
  const { a } = ctx;
  const created = await create(a.client, "app/primary-rules", "x");
  const home = await sdkError(
    a.client.send(
      new ReplicateSecretToRegionsCommand({ SecretId: "app/primary-rules", AddReplicaRegions: [{ Region: PRIMARY }] }),
    ),
  );
  assert.equal([home.name, home.message], ["InvalidParameterException", "Invalid replica region."]);
  const deleting = await sdkError(a.client.send(new DeleteSecretCommand({ SecretId: "app/primary-rules" })));
  assert.equal(
    [deleting.name, deleting.message],
    ["InvalidParameterException", `You can't delete secret ${created.ARN} that still has replica regions [${REPLICA}]`],
  );
});

Replication(
  "RemoveRegionsFromReplication deletes the replica there and destroys its keys; again, it changes nothing",
  async (ctx) => {
    const { a, b } = ctx;
    const created = await create(a.client, "app/removed", "gone soon");
    await replicated(ctx);
    const replicaArn = replicaArnOf(created.ARN as string);
    assert.ok((await dataKeyOf(b, replicaArn, created.VersionId as string)) !== undefined);
    const removed = await a.client.send(
      new RemoveRegionsFromReplicationCommand({ SecretId: "app/removed", RemoveReplicaRegions: [REPLICA] }),
    );
    assert.equal(removed.ReplicationStatus, []);
    await replicated(ctx);
    await b.whenKeysShredded();
    assert.is(
      (await sdkError(b.client.send(new GetSecretValueCommand({ SecretId: "app/removed" })))).name,
      "ResourceNotFoundException",
    );
    assert.is(await dataKeyOf(b, replicaArn, created.VersionId as string), undefined);
    // The primary keeps its secret and its key.
    assert.is((await a.client.send(new GetSecretValueCommand({ SecretId: "app/removed" }))).SecretString, "gone soon");
    const seq = await a.log.lastSeq();
    await a.client.send(
      new RemoveRegionsFromReplicationCommand({ SecretId: "app/removed", RemoveReplicaRegions: [REPLICA] }),
    );
    assert.is(await a.log.lastSeq(), seq);
    await a.client.send(new DeleteSecretCommand({ SecretId: "app/removed", ForceDeleteWithoutRecovery: true }));
  },
);

Replication("pruning reaches the replica: a pruned version's key is gone in both regions", async (ctx) => {
  const { a, b } = ctx;
  const created = await create(a.client, "app/pruned", "p0");
  const versions = [created.VersionId as string];
  for (let i = 1; i <= 4; i++) {
    const id = randomUUID();
    await a.client.send(
      new PutSecretValueCommand({ SecretId: "app/pruned", SecretString: `p${i}`, ClientRequestToken: id }),
    );
    versions.push(id);
  }
  await replicated(ctx);
  const replicaArn = replicaArnOf(created.ARN as string);
  assert.ok((await dataKeyOf(b, replicaArn, versions[0] as string)) !== undefined);
  ctx.now += 2 * HOUR;
  const report = await a.compact();
  assert.ok(report.versionsPruned >= 2);
  await a.whenKeysShredded();
  await replicated(ctx);
  await b.whenKeysShredded();
  // The two oldest had no label: pruned (keep 3), and unreadable everywhere.
  for (const pruned of versions.slice(0, 2)) {
    assert.is(await dataKeyOf(a, created.ARN as string, pruned), undefined);
    assert.is(await dataKeyOf(b, replicaArn, pruned), undefined);
    const e = await sdkError(b.client.send(new GetSecretValueCommand({ SecretId: replicaArn, VersionId: pruned })));
    assert.is(e.name, "ResourceNotFoundException");
  }
  assert.is((await b.client.send(new GetSecretValueCommand({ SecretId: replicaArn }))).SecretString, "p4");
});

Replication(
  "the replica region lists its own secrets and the replicas together, page by page, in order",
  async (ctx) => {
    const tags = [{ Key: "mix", Value: "listed-together" }];
    await ctx.b.client.send(
      new CreateSecretCommand({ Name: "mix/own", SecretString: "b", ClientRequestToken: randomUUID(), Tags: tags }),
    );
    for (const name of ["mix/replica-1", "mix/replica-2"])
      await ctx.a.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: "a",
          ClientRequestToken: randomUUID(),
          AddReplicaRegions: [{ Region: REPLICA }],
          Tags: tags,
        }),
      );
    await replicated(ctx);
    type Entry = readonly [string | undefined, number | undefined, string | undefined];
    const pages = async (filter: { Key: "name" | "tag-value" | "all"; Values: string[] }, order: "asc" | "desc") => {
      const entries: Entry[] = [];
      let token: string | undefined;
      do {
        const page = await ctx.b.client.send(
          new ListSecretsCommand({ Filters: [filter], MaxResults: 1, SortOrder: order, NextToken: token }),
        );
        for (const s of page.SecretList ?? []) entries.push([s.Name, s.CreatedDate?.getTime(), s.PrimaryRegion]);
        token = page.NextToken;
      } while (token !== undefined);
      return entries;
    };
    const byCreation = (x: Entry, y: Entry): number =>
      (x[1] ?? 0) - (y[1] ?? 0) || String(x[0]).localeCompare(String(y[0]));
    // By a name prefix and by a tag value (the indexes' few candidates), and by "all" (a walk in creation order).
    for (const filter of [
      { Key: "name" as const, Values: ["mix/"] },
      { Key: "tag-value" as const, Values: ["listed-together"] },
      { Key: "all" as const, Values: ["mix/"] },
    ]) {
      const ascending = await pages(filter, "asc");
      assert.equal(
        ascending.map(([name, , primary]) => [name, primary]).sort(),
        [
          ["mix/own", undefined],
          ["mix/replica-1", PRIMARY],
          ["mix/replica-2", PRIMARY],
        ],
        filter.Key,
      );
      assert.equal(ascending, [...ascending].sort(byCreation), filter.Key);
      assert.equal(await pages(filter, "desc"), [...ascending].reverse(), filter.Key);
    }
  },
);

Replication("a name taken in the replica region fails the replica, until ForceOverwriteReplicaSecret", async (ctx) => {
  const { a, b } = ctx;
  await create(b.client, "app/clash", "theirs", false);
  await create(a.client, "app/clash", "ours");
  await replicated(ctx);
  await a.whenReplicationReported(() => statusIn(a, "app/clash", REPLICA) === "Failed");
  const described = await a.client.send(new DescribeSecretCommand({ SecretId: "app/clash" }));
  assert.equal(described.ReplicationStatus, [
    {
      Region: REPLICA,
      KmsKeyId: "alias/aws/secretsmanager",
      Status: "Failed",
      StatusMessage: `Replication failed: Secret name app/clash already exists in region ${REPLICA}.`,
    },
  ]);
  assert.is((await b.client.send(new GetSecretValueCommand({ SecretId: "app/clash" }))).SecretString, "theirs");
  await a.client.send(
    new ReplicateSecretToRegionsCommand({
      SecretId: "app/clash",
      AddReplicaRegions: [{ Region: REPLICA }],
      ForceOverwriteReplicaSecret: true,
    }),
  );
  await replicated(ctx);
  await a.whenReplicationReported(() => statusIn(a, "app/clash", REPLICA) === "InSync");
  const value = await b.client.send(new GetSecretValueCommand({ SecretId: "app/clash" }));
  assert.is(value.SecretString, "ours");
  assert.is(value.ARN, replicaArnOf(described.ARN as string));
});

Replication(
  "StopReplicationToReplica promotes the replica to a secret of its region that takes writes",
  async (ctx) => {
    const { a, b } = ctx;
    const created = await create(a.client, "app/promoted", "before");
    await replicated(ctx);
    const replicaArn = replicaArnOf(created.ARN as string);
    const notReplica = await sdkError(a.client.send(new StopReplicationToReplicaCommand({ SecretId: "app/promoted" })));
    assert.is(notReplica.name, "InvalidParameterException");
    const stopped = await b.client.send(new StopReplicationToReplicaCommand({ SecretId: replicaArn }));
    assert.is(stopped.ARN, replicaArn);
    // The primary learns of it and stops replicating there.
    await a.whenReplicationReported(() => a.replicationStatusOf("app/promoted").length === 0);
    const primary = await a.client.send(new DescribeSecretCommand({ SecretId: "app/promoted" }));
    assert.is(primary.ReplicationStatus, undefined);
    // The promoted secret keeps its versions and takes writes; the primary's later writes do not reach it.
    const after = randomUUID();
    await b.client.send(
      new PutSecretValueCommand({ SecretId: replicaArn, SecretString: "after", ClientRequestToken: after }),
    );
    await a.client.send(
      new PutSecretValueCommand({
        SecretId: "app/promoted",
        SecretString: "primary only",
        ClientRequestToken: randomUUID(),
      }),
    );
    await replicated(ctx);
    const read = (stage: string) =>
      b.client.send(new GetSecretValueCommand({ SecretId: "app/promoted", VersionStage: stage }));
    assert.is((await read("AWSCURRENT")).SecretString, "after");
    assert.is((await read("AWSPREVIOUS")).SecretString, "before");
    assert.is((await read("AWSPREVIOUS")).VersionId, created.VersionId);
    const described = await b.client.send(new DescribeSecretCommand({ SecretId: "app/promoted" }));
    assert.is(described.ARN, replicaArn);
    assert.is(described.PrimaryRegion, undefined);
    // Its data keys were the replica's: the primary's removal of the region did not destroy them.
    await b.whenKeysShredded();
    assert.ok((await dataKeyOf(b, replicaArn, created.VersionId as string)) !== undefined);
    // And the primary, no longer replicated, may be deleted.
    await a.client.send(new DeleteSecretCommand({ SecretId: "app/promoted", ForceDeleteWithoutRecovery: true }));
    await replicated(ctx);
    await b.whenKeysShredded();
    assert.is((await read("AWSPREVIOUS")).SecretString, "before");
  },
);

Replication(
  "a replica is encrypted under the KmsKeyId given for its region; one not in its keyring fails",
  async (ctx) => {
    const { a, b } = ctx;
    const created = await create(a.client, "app/own-key", "under the replica key", false);
    const replicating = await a.client.send(
      new ReplicateSecretToRegionsCommand({
        SecretId: "app/own-key",
        AddReplicaRegions: [{ Region: REPLICA, KmsKeyId: "alias/replica-key" }],
      }),
    );
    assert.equal(replicating.ReplicationStatus, [
      { Region: REPLICA, KmsKeyId: "alias/replica-key", Status: "InProgress" },
    ]);
    await replicated(ctx);
    const replicaArn = replicaArnOf(created.ARN as string);
    const versionId = created.VersionId as string;
    assert.is((await dataKeyOf(b, replicaArn, versionId))?.wrapped.keyId, ctx.replicaKeyId);
    assert.is.not((await dataKeyOf(a, created.ARN as string, versionId))?.wrapped.keyId, ctx.replicaKeyId);
    const there = await b.client.send(new DescribeSecretCommand({ SecretId: replicaArn }));
    assert.is(there.KmsKeyId, "alias/replica-key");
    assert.is(
      (await b.client.send(new GetSecretValueCommand({ SecretId: replicaArn }))).SecretString,
      "under the replica key",
    );
    await a.whenReplicationReported(() => statusIn(a, "app/own-key", REPLICA) === "InSync");
    // A key the replica region does not hold: the replica fails there, and says why.
    await a.client.send(
      new ReplicateSecretToRegionsCommand({
        SecretId: "app/own-key",
        AddReplicaRegions: [{ Region: REPLICA, KmsKeyId: "alias/nowhere" }],
      }),
    );
    await replicated(ctx);
    await a.whenReplicationReported(() => statusIn(a, "app/own-key", REPLICA) === "Failed");
    assert.equal(a.replicationStatusOf("app/own-key"), [
      {
        Region: REPLICA,
        KmsKeyId: "alias/nowhere",
        Status: "Failed",
        StatusMessage: `Replication failed: KMS key alias/nowhere is not available in region ${REPLICA}.`,
      },
    ]);
  },
);

Replication(
  "a region whose keyring lacks the primary's master keys cannot open its replicas: Failed, nothing served",
  async (ctx) => {
    const { a, c } = ctx;
    const created = await a.client.send(
      new CreateSecretCommand({
        Name: "app/elsewhere",
        SecretString: CANARY,
        ClientRequestToken: randomUUID(),
        AddReplicaRegions: [{ Region: OTHER }],
      }),
    );
    await replicated(ctx);
    await a.whenReplicationReported(() => statusIn(a, "app/elsewhere", OTHER) === "Failed");
    const [status] = a.replicationStatusOf("app/elsewhere");
    assert.match(
      status?.StatusMessage ?? "",
      /^Replication failed: this region's keyring does not hold master key [0-9a-f-]{36} \(generation 1\)\.$/,
    );
    const e = await sdkError(c.client.send(new GetSecretValueCommand({ SecretId: "app/elsewhere" })));
    assert.is(e.name, "ResourceNotFoundException");
    assert.is(await dataKeyOf(c, arnInRegion(created.ARN as string, OTHER), created.VersionId as string), undefined);
  },
);

/** How many messages the replica region's key store and the primary's stream of reports hold. */
const keysAndReports = async (ctx: Regions): Promise<{ readonly keys: number; readonly reports: number }> => {
  const [ncA, ncB] = await Promise.all([connect({ servers: ctx.natsA.url }), connect({ servers: ctx.natsB.url })]);
  try {
    const keys = await (await jetstreamManager(ncB)).streams.info(keyStreamName(REPLICA));
    const reports = await (await jetstreamManager(ncA)).streams.info(replicationStreamName(PRIMARY));
    return { keys: keys.state.last_seq, reports: reports.state.last_seq };
  } finally {
    await Promise.all([ncA.drain(), ncB.drain()]);
  }
};

/** Stops the replica region, does `meanwhile`, starts it again and waits until it caught up. */
const restartReplicaRegion = async (ctx: Regions, meanwhile?: () => unknown): Promise<void> => {
  const { config } = ctx.b;
  await ctx.b.stop();
  await meanwhile?.();
  ctx.b = await startTestApp({
    region: REPLICA,
    natsUrl: ctx.natsB.url,
    dataDir: config.dataDir,
    keyringFile: config.keyringFile,
    follows: [PRIMARY],
  });
  await replicated(ctx);
};

Replication(
  "the replica region restarts from its checkpoint of the mirrored log and serves its replicas at once",
  async (ctx) => {
    const created = await create(ctx.a.client, "app/restarted", "still here");
    await replicated(ctx);
    const before = await keysAndReports(ctx);
    await restartReplicaRegion(ctx);
    const value = await ctx.b.client.send(new GetSecretValueCommand({ SecretId: "app/restarted" }));
    assert.is(value.SecretString, "still here");
    assert.is(value.ARN, replicaArnOf(created.ARN as string));
    assert.ok(
      ctx.b.logged.some((l) => l["msg"] === "followed region restored from its checkpoint" && l["region"] === PRIMARY),
    );
    // What its reports to the primary say was copied is not copied again, nor is any report sent again.
    assert.equal(await keysAndReports(ctx), before);
  },
);

Replication(
  "a replica region that was down copies the keys of the versions made meanwhile, and only those",
  async (ctx) => {
    const name = "app/while-down";
    const created = await ctx.a.client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: "first",
        ClientRequestToken: randomUUID(),
        AddReplicaRegions: [{ Region: REPLICA, KmsKeyId: "alias/replica-key" }],
      }),
    );
    await replicated(ctx);
    const replicaArn = replicaArnOf(created.ARN as string);
    const before = await keysAndReports(ctx);
    const second = randomUUID();
    await restartReplicaRegion(ctx, () =>
      ctx.a.client.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: "second", ClientRequestToken: second }),
      ),
    );
    assert.is((await ctx.b.client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString, "second");
    // No key copied (the new version's data key is beside its value, under the secret's key copied already), and
    // one report sent (the secret's, in sync further on).
    assert.equal(await keysAndReports(ctx), { keys: before.keys, reports: before.reports + 1 });
    // The replica's master key turned to new material while the region was down: its keys are wrapped anew by it
    // as the region starts.
    const keyringFile = ctx.b.config.keyringFile;
    const rotated = rotateKey(readKeyringFile(keyringFile), ctx.replicaKeyId, ctx.b.config);
    await restartReplicaRegion(ctx, () => writeKeyringFile(keyringFile, rotated.file));
    for (const versionId of [created.VersionId as string, second])
      assert.is((await dataKeyOf(ctx.b, replicaArn, versionId))?.wrapped.generation, rotated.generation);
    assert.is((await ctx.b.client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString, "second");
    assert.is(
      (await ctx.b.client.send(new GetSecretValueCommand({ SecretId: name, VersionId: created.VersionId })))
        .SecretString,
      "first",
    );
  },
);

Replication("no stream of any region holds a secret value: the reports, the mirror, the copied keys", async (ctx) => {
  for (const url of [ctx.natsA.url, ctx.natsB.url, ctx.natsC.url]) {
    const nc = await connect({ servers: url });
    try {
      const jsm = await jetstreamManager(nc);
      for await (const info of jsm.streams.list()) {
        const name = info.config.name;
        for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
          const m = await jsm.streams.getMessage(name, { seq }).catch(() => null);
          if (m !== null) assert.not.ok(m.string().includes(CANARY), `${name} #${seq}`);
        }
      }
    } finally {
      await nc.drain();
    }
  }
  const nc = await connect({ servers: ctx.natsA.url });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(replicationStreamName(PRIMARY));
    assert.ok(info.state.messages > 0);
  } finally {
    await nc.drain();
  }
});

Replication(
  "with the primary's nats-server down the replica serves what it has; back, it catches up, nothing lost or doubled",
  async (ctx) => {
    const { a, b } = ctx;
    const created = await create(a.client, "app/partition", "before the partition");
    await replicated(ctx);
    const leafnodePort = Number(ctx.natsA.leafnodeUrl.slice(ctx.natsA.leafnodeUrl.lastIndexOf(":") + 1));
    await ctx.natsA.stop();
    // The replica region still serves its replicas.
    const during = await b.client.send(new GetSecretValueCommand({ SecretId: "app/partition" }));
    assert.is(during.SecretString, "before the partition");
    assert.is(during.VersionId, created.VersionId);
    const e = await sdkError(
      b.client.send(
        new PutSecretValueCommand({ SecretId: "app/partition", SecretString: "x", ClientRequestToken: randomUUID() }),
      ),
    );
    assert.is(e.name, "InvalidParameterException");
    // The primary's history can still be read in the replica region, from the mirror of its log.
    const history = await secretLedger(b, ["history", "app/partition", "--log", PRIMARY], {
      SECRET_LEDGER_FOLLOWS: PRIMARY,
    });
    assert.is(history.code, 0, history.err);
    assert.match(history.out, `created ${created.ARN as string}`);
    assert.match(history.out, `replicated to ${REPLICA}`);
    const notFollowed = await secretLedger(b, ["history", "app/partition", "--log", OTHER]);
    assert.is(notFollowed.code, 2);
    assert.match(notFollowed.err, `region ${REPLICA} does not follow ${OTHER}`);
    // The primary comes back on the same ports and store, and takes writes again.
    ctx.natsA = await startOwnNatsServer(ctx.natsADir, ctx.natsA.port, { name: PRIMARY, leafnodePort });
    const written: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = randomUUID();
      // The first writes may find the primary's connection still coming back.
      await putUntilTaken(a, "app/partition", `after ${i}`, id);
      written.push(id);
    }
    await replicated(ctx);
    assert.is((await b.client.send(new GetSecretValueCommand({ SecretId: "app/partition" }))).SecretString, "after 9");
    const versionsA = await a.client.send(
      new ListSecretVersionIdsCommand({ SecretId: "app/partition", IncludeDeprecated: true }),
    );
    const versionsB = await b.client.send(
      new ListSecretVersionIdsCommand({ SecretId: "app/partition", IncludeDeprecated: true }),
    );
    const ids = (v: typeof versionsA) => (v.Versions ?? []).map((x) => [x.VersionId, x.VersionStages ?? []]);
    assert.equal(ids(versionsB), ids(versionsA));
    // The mirror holds exactly the primary's records, at the same sequences.
    const [origin, mirror] = await Promise.all([streamState(a.natsUrl), streamState(b.natsUrl)]);
    assert.equal(mirror, origin);
    await a.whenReplicationReported(() => statusIn(a, "app/partition", REPLICA) === "InSync");
  },
);

const streamState = async (url: string): Promise<{ messages: number; last: number }> => {
  const nc = await connect({ servers: url });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(streamName(PRIMARY));
    return { messages: info.state.messages, last: info.state.last_seq };
  } finally {
    await nc.drain();
  }
};

/** Resolves once the primary's log as mirrored on the nats-server at `url` holds the record at `seq`. */
const mirrorHolds = async (url: string, seq: number): Promise<void> => {
  const nc = await connect({ servers: url });
  try {
    const consumer = await jetstream(nc).consumers.get(streamName(PRIMARY), {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: seq,
    });
    assert.ok((await consumer.next({ expires: 30_000 })) !== null, `the mirror holds #${seq}`);
  } finally {
    await nc.drain();
  }
};

/** The subjects of the messages the replica region's key stream holds after sequence `after` that are copies. */
const copiesWrittenAfter = async (ctx: Regions, after: number): Promise<string[]> => {
  const nc = await connect({ servers: ctx.natsB.url });
  try {
    const jsm = await jetstreamManager(nc);
    const stream = keyStreamName(REPLICA);
    const last = (await jsm.streams.info(stream)).state.last_seq;
    const subjects: string[] = [];
    for (let seq = after + 1; seq <= last; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (m !== null && m.subject.includes(".c.")) subjects.push(m.subject);
    }
    return subjects;
  } finally {
    await nc.drain();
  }
};

Replication(
  "a replica region down while 1,000 replicas were made copies their keys at once as it starts: a write a subject, one watermark",
  async (ctx) => {
    // 1,000 replicas (the fewest the first pass reads the primary's keys at once for), and one whose name is taken
    // in the replica region: that replica fails there, reported on its own.
    const count = 1001;
    await create(ctx.b.client, "bulk/17", "the replica region's own", false);
    const before = await keysAndReports(ctx);
    const made: Array<{ readonly name: string; readonly arn: string }> = [];
    await restartReplicaRegion(ctx, async () => {
      let next = 0;
      const creator = async (): Promise<void> => {
        for (let k = next++; k < count; k = next++) {
          const created = await create(ctx.a.client, `bulk/${k}`, `bulk value ${k}`);
          made.push({ name: `bulk/${k}`, arn: created.ARN as string });
        }
      };
      await Promise.all(Array.from({ length: 16 }, creator));
      // Its nats-server mirrored them all before it starts: its start folds every one of them first.
      await mirrorHolds(ctx.natsB.url, await ctx.a.log.lastSeq());
    });
    const replicas = made.filter((m) => m.name !== "bulk/17");
    // Each copied: every replica serves its value.
    const reads = [...replicas];
    const reader = async (): Promise<void> => {
      for (let r = reads.shift(); r !== undefined; r = reads.shift()) {
        const value = await ctx.b.client.send(new GetSecretValueCommand({ SecretId: r.name }));
        assert.is(value.SecretString, `bulk value ${r.name.slice("bulk/".length)}`);
        assert.is(value.ARN, replicaArnOf(r.arn));
      }
    };
    await Promise.all(Array.from({ length: 16 }, reader));
    // Copied together: one message to each subject the copies go to, not one a replica.
    const subjects = await copiesWrittenAfter(ctx, before.keys);
    assert.is(subjects.length, new Set(subjects).size);
    assert.is(subjects.length, new Set(replicas.map((r) => bucketOf(r.arn))).size);
    assert.ok(subjects.length < replicas.length);
    // Reported: one watermark for the 1,000 in sync, one report for the one that failed.
    assert.is((await keysAndReports(ctx)).reports, before.reports + 2);
    await ctx.a.whenReplicationReported(
      () => statusIn(ctx.a, "bulk/0", REPLICA) === "InSync" && statusIn(ctx.a, "bulk/17", REPLICA) === "Failed",
    );
    assert.is(statusIn(ctx.a, `bulk/${count - 1}`, REPLICA), "InSync");
    assert.is(
      (await ctx.b.client.send(new GetSecretValueCommand({ SecretId: "bulk/17" }))).SecretString,
      "the replica region's own",
    );
  },
);

// Last: it loses the replica region's key store, its own secrets' keys with it.
Replication("a replica region whose key store was lost copies the replicas' keys again as it starts", async (ctx) => {
  const created = await create(ctx.a.client, "app/store-lost", "copied again");
  await replicated(ctx);
  await restartReplicaRegion(ctx, async () => {
    const nc = await connect({ servers: ctx.natsB.url });
    try {
      await (await jetstreamManager(nc)).streams.delete(keyStreamName(REPLICA));
    } finally {
      await nc.drain();
    }
  });
  // The reports say the keys were copied, into the key store that was: not into this one, made as the region started.
  assert.is(
    (await ctx.b.client.send(new GetSecretValueCommand({ SecretId: "app/store-lost" }))).SecretString,
    "copied again",
  );
  assert.ok((await dataKeyOf(ctx.b, replicaArnOf(created.ARN as string), created.VersionId as string)) !== undefined);
});

Replication.run();
