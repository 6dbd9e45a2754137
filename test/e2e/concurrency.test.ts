import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { connect } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { verifyChain } from "../../src/audit/verify.js";
import { Keyring, readKeyringFile } from "../../src/crypto/keyring.js";
import { AuditStream } from "../../src/store/audit-stream.js";
import { startTestApp, type TestApp, sharedKeyring } from "../support/app.js";
import { freshRegion, within } from "../support/nats.js";

const versionsOf = async (client: SecretsManagerClient, id: string) =>
  (await client.send(new ListSecretVersionIdsCommand({ SecretId: id, IncludeDeprecated: true }))).Versions ?? [];

/** Who holds each of AWSCURRENT and AWSPREVIOUS, and how many versions there are. */
const summary = (versions: Awaited<ReturnType<typeof versionsOf>>) => ({
  count: versions.length,
  current: versions.filter((v) => v.VersionStages?.includes("AWSCURRENT")).map((v) => v.VersionId),
  previous: versions.filter((v) => v.VersionStages?.includes("AWSPREVIOUS")).map((v) => v.VersionId),
});

const Concurrency = suite("concurrent writers on one secret");

Concurrency("32 concurrent PutSecretValue calls through one server: no version lost, one AWSCURRENT", async () => {
  const app = await startTestApp();
  try {
    await app.client.send(
      new CreateSecretCommand({ Name: "hot", SecretString: "v0", ClientRequestToken: randomUUID() }),
    );
    const tokens = Array.from({ length: 32 }, () => randomUUID());
    const answers = await within(
      60_000,
      "32 writers",
      Promise.all(
        tokens.map((t, i) =>
          app.client.send(
            new PutSecretValueCommand({ SecretId: "hot", SecretString: `v${i + 1}`, ClientRequestToken: t }),
          ),
        ),
      ),
    );
    assert.equal(
      answers.map((a) => a.VersionId),
      tokens,
    );
    const versions = await versionsOf(app.client, "hot");
    const s = summary(versions);
    assert.is(s.count, 33);
    assert.is(s.current.length, 1);
    assert.is(s.previous.length, 1);
    for (const t of tokens)
      assert.ok(
        versions.some((v) => v.VersionId === t),
        t,
      );
    // One command, one message: the log holds the create and the 32 puts, nothing else.
    assert.is(await app.log.lastSeq(), 33);
  } finally {
    await app.stop();
  }
});

Concurrency("two servers on one log, 16 writers each: the expected-sequence guard keeps every version", async () => {
  const region = freshRegion();
  // Servers on one log share its keyring.
  const keyringFile = sharedKeyring();
  const [b, c] = [await startTestApp({ region, keyringFile }), await startTestApp({ region, keyringFile })];
  try {
    await b.client.send(
      new CreateSecretCommand({ Name: "shared", SecretString: "v0", ClientRequestToken: randomUUID() }),
    );
    const writes = (app: TestApp, tag: string) =>
      Array.from({ length: 16 }, (_, i) =>
        app.client.send(
          new PutSecretValueCommand({
            SecretId: "shared",
            SecretString: `${tag}${i}`,
            ClientRequestToken: randomUUID(),
          }),
        ),
      );
    await within(60_000, "32 writers on two servers", Promise.all([...writes(b, "b"), ...writes(c, "c")]));
    const last = await b.log.lastSeq();
    assert.is(last, 33);
    await within(10_000, "b caught up", b.catalog.whenCaughtUp(last));
    await within(10_000, "c caught up", c.catalog.whenCaughtUp(last));
    const [fromB, fromC] = [
      summary(await versionsOf(b.client, "shared")),
      summary(await versionsOf(c.client, "shared")),
    ];
    assert.is(fromB.count, 33);
    assert.is(fromB.current.length, 1);
    assert.is(fromB.previous.length, 1);
    assert.equal(fromC, fromB);
    // Each reads what the other wrote.
    const fromBoth = await Promise.all(
      [b, c].map((app) => app.client.send(new GetSecretValueCommand({ SecretId: "shared" }))),
    );
    assert.is(fromBoth[0]?.SecretString, fromBoth[1]?.SecretString);
    // Both servers wrote one audit chain, linked in the order the stream took their records: every call is in it.
    await Promise.all([b.whenAudited(), c.whenAudited()]);
    const nc = await connect({ servers: b.natsUrl });
    const key = new Keyring(readKeyringFile(keyringFile), b.config).derivedKey("audit-chain");
    const chained = await verifyChain(await AuditStream.open(nc, region), key);
    await nc.drain();
    assert.is(chained.broken, undefined);
    assert.is(chained.head.n, 1 + 32 + 2 + 2, "CreateSecret, 32 writes, two listings, two reads");
  } finally {
    await b.stop();
    await c.stop();
  }
});

Concurrency("a server with another master key than the log's refuses to start", async () => {
  const region = freshRegion();
  const first = await startTestApp({ region });
  try {
    const refused = await startTestApp({ region, keyringFile: sharedKeyring() }).then(
      async (app) => {
        await app.stop();
        return "";
      },
      (e: Error) => e.message,
    );
    assert.match(refused, /written with another keyring/);
  } finally {
    await first.stop();
  }
});

Concurrency("a second service on the same data directory refuses to start", async () => {
  const app = await startTestApp({ embedded: true });
  try {
    const refused = await startTestApp({ embedded: true, dataDir: app.config.dataDir }).then(
      async (other) => {
        await other.stop();
        return "";
      },
      (e: Error) => e.message,
    );
    assert.match(refused, /is in use by another secret-ledger/);
  } finally {
    await app.stop();
  }
});

Concurrency.run();
