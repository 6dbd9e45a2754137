import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from "@aws-sdk/client-secrets-manager";
import { connect } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AuditStream } from "../../src/store/audit-stream.js";
import { sharedKeyring, startTestApp } from "../support/app.js";
import { startOwnNatsServer, tempDir, within } from "../support/nats.js";
import { putUntilTaken, sdkError } from "../support/sdk.js";
import { readyzUntil } from "../support/service-process.js";

// NATS out of reach: writes fail fast with a retryable error, reads go on from the projection (their audit
// records kept on local disk, fsync'd, and forwarded onto the chain later), and the service recovers by itself.

const Outage = suite("a NATS outage");

Outage("writes get 503 ServiceUnavailable at once, reads are served and audited, and all resumes", async () => {
  const natsDir = tempDir("outage-nats");
  let nats = await startOwnNatsServer(natsDir);
  const keyringFile = sharedKeyring();
  const app = await startTestApp({ natsUrl: nats.url, keyringFile });
  // A second server on the same log that keeps no values in memory: its reads need the log.
  const uncached = await startTestApp({
    natsUrl: nats.url,
    keyringFile,
    region: app.config.region,
    valueCacheBytes: 0,
  });
  try {
    const canary = `canary-${randomUUID()}`;
    await app.client.send(
      new CreateSecretCommand({ Name: "steady", SecretString: canary, ClientRequestToken: randomUUID() }),
    );
    await uncached.catalog.whenCaughtUp(await app.log.lastSeq());
    assert.is((await uncached.client.send(new GetSecretValueCommand({ SecretId: "steady" }))).SecretString, canary);
    // That read recorded LastAccessedDate: what the secret looks like from now on.
    await app.catalog.whenCaughtUp(await app.log.lastSeq());
    const before = await app.client.send(new DescribeSecretCommand({ SecretId: "steady" }));

    await nats.stop();
    const down = await within(10_000, "/readyz says not ready", readyzUntil(app.endpoint, 503));
    assert.is(down["ready"], false);
    assert.is(down["nats"], false);

    // A write: refused at once with a retryable error (the SDK's retry strategy retries 503), nothing written.
    const refused = await sdkError(
      app.client.send(
        new PutSecretValueCommand({ SecretId: "steady", SecretString: "lost?", ClientRequestToken: randomUUID() }),
      ),
    );
    assert.equal(
      { name: refused.name, status: refused.status },
      { name: "ServiceUnavailable", status: 503 },
      refused.message,
    );
    // A read: served from the projection, its audit record spooled on local disk (no value in it).
    const read = await app.client.send(new GetSecretValueCommand({ SecretId: "steady" }));
    assert.is(read.SecretString, canary);
    const spoolFile = join(app.config.dataDir, `audit-spool-${app.config.region}.jsonl`);
    const spooled = readFileSync(spoolFile, "utf8");
    assert.ok(spooled.includes(read.$metadata.requestId as string), spooled);
    assert.not.ok(spooled.includes(canary), "a secret value in the audit spool");
    // A read whose value is not in memory (no cache) needs the log: 503 too, safe to retry.
    const unread = await sdkError(uncached.client.send(new GetSecretValueCommand({ SecretId: "steady" })));
    assert.equal({ name: unread.name, status: unread.status }, { name: "ServiceUnavailable", status: 503 });
    const { $metadata: _m, ...described } = await app.client.send(new DescribeSecretCommand({ SecretId: "steady" }));
    const { $metadata: _b, ...describedBefore } = before;
    assert.equal(described, describedBefore);
    // The projection's checkpoint is still written (as a stop writes it): it names the log as it was at the start.
    assert.ok(await app.checkpoint(), "a checkpoint written while NATS is out of reach");
    const checkpointFile = join(app.config.dataDir, "projections", `catalog-${app.config.region}.checkpoint`);
    const trailer = JSON.parse(readFileSync(checkpointFile, "utf8").trim().split("\n").pop() ?? "") as {
      checkpoint: number;
    };
    assert.is(trailer.checkpoint, app.catalog.checkpoint);

    // NATS back, on the same store and port: the service notices by itself.
    nats = await startOwnNatsServer(natsDir, nats.port);
    await within(20_000, "the service reconnected", app.whenStoreAvailable());
    const token = await within(20_000, "a write taken again", putUntilTaken(app, "steady", "after the outage"));
    assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "steady" }))).VersionId, token);
    await within(20_000, "the spool forwarded", app.whenAudited());
    assert.not.ok(existsSync(spoolFile), "the spool is emptied once forwarded");
    assert.is((await readyzUntil(app.endpoint, 200))["auditSpooled"], 0);

    // The read made during the outage is on the audit chain, as a success.
    const nc = await connect({ servers: nats.url });
    const records: Array<Record<string, unknown>> = [];
    await (
      await AuditStream.open(nc, app.config.region)
    ).read((m) => records.push(...(JSON.parse(Buffer.from(m.payload).toString()) as { records: [] }).records));
    await nc.drain();
    const audited = records.find((r) => r["requestId"] === read.$metadata.requestId);
    assert.equal([audited?.["operation"], audited?.["outcome"]], ["GetSecretValue", "Success"]);
  } finally {
    await uncached.stop();
    await app.stop();
    await nats.stop();
  }
});

Outage.run();
