import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { projectRoot, type RunningNatsServer } from "../../src/store/nats-server.js";
import { keyStreamName } from "../../src/store/subjects.js";
import { sharedKeyring, startTestApp, TEST_CREDENTIALS, type TestApp } from "../support/app.js";
import { told } from "../support/hooks.js";
import { startOwnNatsServer, tempDir, within } from "../support/nats.js";
import { startServiceProcess } from "../support/service-process.js";

// A replica region erases its copies of a secret's keys (the secret deleted, or no longer replicated there) in two steps: the copies' bucket is written anew
// without them, then the messages it held before are erased. Killed (SIGKILL) between the two and started again,
// the region erases them then: no message of its key stream holds them any more, and the other replica still reads.

const PRIMARY = "us-east-1";
const REPLICA = "eu-west-1";

type Regions = { natsA: RunningNatsServer; natsB: RunningNatsServer; a: TestApp; keyringFile: string };
const Crash = suite<Regions>("a replica region killed while it erases copies");

Crash.before(
  told(async (ctx) => {
    ctx.keyringFile = sharedKeyring();
    ctx.natsA = await startOwnNatsServer(tempDir("nats-a"), undefined, { name: PRIMARY });
    ctx.natsB = await startOwnNatsServer(tempDir("nats-b"), undefined, {
      name: REPLICA,
      remotes: [ctx.natsA.leafnodeUrl],
    });
    ctx.a = await startTestApp({ region: PRIMARY, natsUrl: ctx.natsA.url, keyringFile: ctx.keyringFile });
  }),
);
Crash.after(
  told(async ({ a, natsA, natsB }) => {
    await a.stop();
    await natsB.stop();
    await natsA.stop();
  }),
);

/** The messages of the copies' subjects in `region`'s key stream now that hold `text`: their sequences. */
const copiesHolding = async (natsUrl: string, region: string, text: string): Promise<number[]> => {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const stream = keyStreamName(region);
    const { state } = await jsm.streams.info(stream);
    const found: number[] = [];
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (m !== null && m.subject.includes(".c.") && m.string().includes(text)) found.push(m.seq);
    }
    return found;
  } finally {
    await nc.drain();
  }
};

/**
 * Reads `name` in the replica region until it answers `value` (it copies the keys first), and no longer than 30 s:
 * a bounded poll, which stops asking once it gives up (as readyzUntil does).
 */
const servedThere = async (client: SecretsManagerClient, name: string, value: string): Promise<void> => {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const read = await client.send(new GetSecretValueCommand({ SecretId: name })).catch(() => undefined);
    if (read?.SecretString === value) return;
  }
  throw new Error(`${name} was not served in the replica region within 30 s`);
};

Crash("killed after the rewrite, before the erasure: the restarted region erases the copies", async (ctx) => {
  const { a, natsB, keyringFile } = ctx;
  const dataDir = tempDir("copies-crash");
  const replica = await startServiceProcess(
    { NATS_URL: natsB.url, SECRET_LEDGER_FOLLOWS: PRIMARY, SECRET_LEDGER_KEYRING: keyringFile },
    {
      dataDir,
      region: REPLICA,
      script: [join(projectRoot(), "dist", "test", "support", "key-step-crash.js"), "copies rewritten"],
    },
  );
  const client = new SecretsManagerClient({
    endpoint: replica.endpoint,
    region: REPLICA,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
  const create = async (name: string, value: string): Promise<string> =>
    (
      await a.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          ClientRequestToken: randomUUID(),
          AddReplicaRegions: [{ Region: REPLICA }],
        }),
      )
    ).ARN ?? "";
  const removedArn = await create("crash/removed", "to be removed");
  await create("crash/kept", "kept");
  try {
    await servedThere(client, "crash/removed", "to be removed");
    await servedThere(client, "crash/kept", "kept");
    assert.is((await copiesHolding(natsB.url, REPLICA, removedArn)).length, 1);
    await a.client.send(
      new RemoveRegionsFromReplicationCommand({ SecretId: "crash/removed", RemoveReplicaRegions: [REPLICA] }),
    );
    assert.is(await within(30_000, "the replica region killed", replica.exited), null, "killed by a signal");
  } finally {
    client.destroy();
    replica.process.kill("SIGKILL");
  }
  // Killed between the steps: the copies are written anew without it, and the message before still holds it.
  assert.is((await copiesHolding(natsB.url, REPLICA, removedArn)).length, 1, "its copy is left by the crash");

  const b = await startTestApp({ region: REPLICA, natsUrl: natsB.url, keyringFile, follows: [PRIMARY], dataDir });
  try {
    await b.whenReplicaCaughtUp(PRIMARY, await a.log.lastSeq());
    await b.whenKeysShredded();
    assert.equal(await copiesHolding(natsB.url, REPLICA, removedArn), [], "no message holds its copy any more");
    assert.is((await b.client.send(new GetSecretValueCommand({ SecretId: "crash/kept" }))).SecretString, "kept");
  } finally {
    await b.stop();
  }
});

Crash.run();
