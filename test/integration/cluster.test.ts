import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import type { RunningNatsServer } from "../../src/store/nats-server.js";
import { streamName } from "../../src/store/subjects.js";
import { sharedKeyring, startTestApp, type TestApp } from "../support/app.js";
import { slowLink, startCluster } from "../support/nats.js";
import { putUntilTaken } from "../support/sdk.js";
import { told } from "../support/hooks.js";

// Scale-out: two service instances on one region's log, kept by a 3-node JetStream cluster (R3 streams), on
// loopback. Both read with the read fence on, as docs/production.md runs them.

const REGION = "us-east-2";

type Cluster = {
  url: string;
  nodes: RunningNatsServer[];
  one: TestApp;
  two: TestApp;
  link: { readonly url: string; close(): Promise<void> };
};
const Scale = suite<Cluster>("cluster");

Scale.before(
  told(async (ctx) => {
    const cluster = await startCluster();
    ctx.url = cluster.url;
    ctx.nodes = cluster.nodes;
    const keyringFile = sharedKeyring();
    const instance = (natsUrl: string) =>
      startTestApp({ region: REGION, natsUrl, keyringFile, streamReplicas: 3, logFence: true });
    ctx.one = await instance(cluster.url);
    // The second instance reaches the cluster over a slow link (20 ms each way): its projection trails the log,
    // so only the read fence lets it see at once what the first acknowledged.
    ctx.link = await slowLink(cluster.nodes[0]?.url ?? "", 20);
    ctx.two = await instance(ctx.link.url);
  }),
);

// Whatever `before` got to start (a part may be missing when it failed: its error is then the one reported).
Scale.after(
  told(async (ctx: Partial<Cluster>) => {
    await ctx.two?.stop();
    await ctx.one?.stop();
    await ctx.link?.close();
    for (const node of ctx.nodes ?? []) await node.stop();
  }),
);

/** Every version of the secret with its labels, as an instance serves them. */
const versionsOf = async (client: SecretsManagerClient, secretId: string): Promise<Map<string, string[]>> => {
  const listed = await client.send(
    new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true, MaxResults: 100 }),
  );
  return new Map((listed.Versions ?? []).map((v) => [v.VersionId as string, [...(v.VersionStages ?? [])]]));
};

/** One AWSCURRENT, one AWSPREVIOUS, every acknowledged version there, and no other. */
const assertInvariants = (versions: Map<string, string[]>, acknowledged: ReadonlyArray<string>): void => {
  const holders = (label: string) => [...versions].filter(([, labels]) => labels.includes(label));
  assert.is(holders("AWSCURRENT").length, 1);
  assert.is(holders("AWSPREVIOUS").length, 1);
  assert.equal([...versions.keys()].sort(), [...acknowledged].sort());
};

Scale("concurrent writers through both instances on the same secrets keep every invariant", async ({ one, two }) => {
  const names = ["scale/a", "scale/b", "scale/c"];
  const acknowledged = new Map<string, string[]>();
  for (const name of names) {
    const created = await one.client.send(
      new CreateSecretCommand({ Name: name, SecretString: "v0", ClientRequestToken: randomUUID() }),
    );
    acknowledged.set(name, [created.VersionId as string]);
  }
  // Two writers per instance per secret, ten writes each, all at once.
  await Promise.all(
    names.flatMap((name) =>
      [one, two, one, two].map(async (app, w) => {
        for (let i = 0; i < 10; i++) acknowledged.get(name)?.push(await putUntilTaken(app, name, `w${w}-${i}`));
      }),
    ),
  );
  for (const name of names)
    for (const app of [one, two]) assertInvariants(await versionsOf(app.client, name), acknowledged.get(name) ?? []);
});

Scale("a read on one instance right after a write acknowledged by the other sees it", async ({ one, two }) => {
  await one.client.send(
    new CreateSecretCommand({ Name: "scale/ryw", SecretString: "v0", ClientRequestToken: randomUUID() }),
  );
  for (let i = 0; i < 20; i++) {
    const [writer, reader] = i % 2 === 0 ? [one, two] : [two, one];
    const token = await putUntilTaken(writer, "scale/ryw", `v${i}`);
    const read = await reader.client.send(new GetSecretValueCommand({ SecretId: "scale/ryw" }));
    assert.is(read.VersionId, token);
    assert.is(read.SecretString, `v${i}`);
  }
});

Scale(
  "with the log's leader node stopped, no acknowledged write is lost and both instances keep working",
  async (ctx) => {
    const { one, two } = ctx;
    await one.client.send(
      new CreateSecretCommand({ Name: "scale/failover", SecretString: "v0", ClientRequestToken: randomUUID() }),
    );
    const acknowledged: string[] = [(await versionsOf(one.client, "scale/failover")).keys().next().value as string];
    for (let i = 0; i < 5; i++)
      acknowledged.push(await putUntilTaken(i % 2 === 0 ? one : two, "scale/failover", `before ${i}`));
    // The node that leads the log's stream goes.
    const nc = await connect({ servers: ctx.url.split(",") });
    const leader = (await (await jetstreamManager(nc)).streams.info(streamName(REGION))).cluster?.leader;
    await nc.close();
    const index = ctx.nodes.findIndex((_, i) => leader?.endsWith(`-n${i + 1}`) === true);
    assert.ok(index >= 0, `the leader ${String(leader)} is one of the nodes`);
    // 16 writers keep writing while the leader goes: a write the stream cannot take while it has no leader
    // answers 503 (retried with the same token by putUntilTaken), never 500, and nothing acknowledged is lost.
    const writers = Array.from({ length: 16 }, (_, w) => `scale/failover-${w}`);
    for (const name of writers)
      await one.client.send(
        new CreateSecretCommand({ Name: name, SecretString: "v0", ClientRequestToken: randomUUID() }),
      );
    const lastOf = new Map<string, string>();
    const writing = writers.map(async (name, w) => {
      for (let i = 0; i < 8; i++) lastOf.set(name, await putUntilTaken(w % 2 === 0 ? one : two, name, `w${w} ${i}`));
    });
    // Killed, not stopped: no leadership handed over, the cluster elects a new leader while the writes go on.
    ctx.nodes[index]?.process.kill("SIGKILL");
    await ctx.nodes[index]?.stop();
    const internalErrors = () =>
      [one, two].flatMap((app) =>
        app.logged.filter((line) => line["msg"] === "internal error" || line["status"] === 500),
      );
    await Promise.all(writing).catch((e: unknown) => {
      // What the service logged of it says why: the cause goes with the failure.
      throw new Error(`${e instanceof Error ? e.message : String(e)}; logged: ${JSON.stringify(internalErrors())}`);
    });
    // Every failed write was a 503; none was an internal error.
    assert.equal(internalErrors(), []);
    for (let i = 0; i < 6; i++)
      acknowledged.push(await putUntilTaken(i % 2 === 0 ? two : one, "scale/failover", `after ${i}`));
    for (const name of writers)
      assert.is(
        (await two.client.send(new GetSecretValueCommand({ SecretId: name }))).VersionId,
        lastOf.get(name),
        `${name}: its last acknowledged write is AWSCURRENT`,
      );
    for (const app of [one, two]) {
      assertInvariants(await versionsOf(app.client, "scale/failover"), acknowledged);
      const read = await app.client.send(new GetSecretValueCommand({ SecretId: "scale/failover" }));
      assert.is(read.VersionId, acknowledged[acknowledged.length - 1]);
    }
  },
);

Scale.run();
