import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { randomBytes, randomUUID } from "node:crypto";
import { CommandRecord, type SecretEvent } from "../../src/domain/events.js";
import { DecryptionError, openValue } from "../../src/crypto/envelope.js";
import { streamName } from "../../src/store/subjects.js";
import { dataKeyOf, sharedKeyring, startTestApp, type TestApp } from "../support/app.js";
import { freshRegion } from "../support/nats.js";
import { sdkError } from "../support/sdk.js";

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;

const put = (client: SecretsManagerClient, id: string, value: string) =>
  client.send(new PutSecretValueCommand({ SecretId: id, SecretString: value, ClientRequestToken: randomUUID() }));
/** Every version of a secret, deprecated ones included, page by page. */
const versionCount = async (client: SecretsManagerClient, id: string): Promise<number> => {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListSecretVersionIdsCommand({
        SecretId: id,
        IncludeDeprecated: true,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    count += page.Versions?.length ?? 0;
    token = page.NextToken;
  } while (token !== undefined);
  return count;
};

/** Every event in the app's log, with the stream sequence of its record. */
const loggedEvents = async (app: TestApp): Promise<Array<{ seq: number; event: SecretEvent }>> => {
  const nc = await connect({ servers: app.natsUrl });
  const jsm = await jetstreamManager(nc);
  const out: Array<{ seq: number; event: SecretEvent }> = [];
  const last = await app.log.lastSeq();
  for (let seq = 1; seq <= last; seq++) {
    const m = await jsm.streams.getMessage(streamName(app.config.region), { seq });
    if (m === null) continue;
    const record = CommandRecord.decode(m.json());
    if (record._tag === "Right") for (const event of record.right.events) out.push({ seq, event });
  }
  await nc.drain();
  return out;
};

const Compactor = suite("versions: the seed's story, the compactor and crypto-shredding");

Compactor("one PutSecretValue every 15 minutes for three days never fails", async () => {
  let now = Date.UTC(2026, 10, 1);
  const app = await startTestApp({ clock: () => now });
  try {
    await app.client.send(
      new CreateSecretCommand({ Name: "every15", SecretString: "v0", ClientRequestToken: randomUUID() }),
    );
    for (let i = 1; i <= 3 * 24 * 4; i++) {
      now += 15 * MINUTE;
      await put(app.client, "every15", `v${i}`);
    }
    // Versions younger than 24 hours stay; older label-less ones were pruned as the quota came near.
    assert.ok((await versionCount(app.client, "every15")) <= 150);
  } finally {
    await app.stop();
  }
});

Compactor(
  "one every 5 minutes reaches LimitExceededException within the first day, and works again later",
  async () => {
    const start = Date.UTC(2026, 10, 1);
    let now = start;
    const app = await startTestApp({ clock: () => now });
    try {
      await app.client.send(
        new CreateSecretCommand({ Name: "every5", SecretString: "v0", ClientRequestToken: randomUUID() }),
      );
      let refusedAt: number | undefined;
      for (let i = 1; refusedAt === undefined && now - start < 24 * HOUR; i++) {
        now += 5 * MINUTE;
        await put(app.client, "every5", `v${i}`).catch((e: Error) => {
          assert.is(e.name, "LimitExceededException");
          refusedAt = now;
        });
      }
      assert.ok(refusedAt !== undefined && refusedAt - start < 24 * HOUR, "refused within the first day");
      assert.is(await versionCount(app.client, "every5"), 150);
      const stillFull = await sdkError(put(app.client, "every5", "again"));
      assert.is(stillFull.name, "LimitExceededException");
      // Once the first versions are more than 24 hours old, they make room.
      now = start + 24 * HOUR + 6 * MINUTE;
      await put(app.client, "every5", "after a day");
      assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "every5" }))).SecretString, "after a day");
      assert.ok((await versionCount(app.client, "every5")) <= 150);
    } finally {
      await app.stop();
    }
  },
);

Compactor(
  "the compactor prunes beyond 100, a dry run changes nothing, and pruned values can never be decrypted",
  async () => {
    const start = Date.UTC(2026, 10, 1);
    let now = start;
    const app = await startTestApp({ clock: () => now });
    try {
      const created = await app.client.send(
        new CreateSecretCommand({ Name: "big", SecretString: "first", ClientRequestToken: randomUUID() }),
      );
      for (let i = 1; i < 130; i++) {
        now += MINUTE;
        await put(app.client, "big", `value-${i}`);
      }
      assert.is(await versionCount(app.client, "big"), 130);
      assert.equal(await app.compact(), { secretsPruned: 0, versionsPruned: 0 }, "nothing is 24 hours old yet");
      now = start + 25 * HOUR;
      const seq = await app.log.lastSeq();
      assert.equal(await app.compact({ dryRun: true }), { secretsPruned: 1, versionsPruned: 30 });
      assert.is(await app.log.lastSeq(), seq, "a dry run appends nothing");
      assert.equal(await app.compact(), { secretsPruned: 1, versionsPruned: 30 });
      assert.equal(await app.compact(), { secretsPruned: 0, versionsPruned: 0 });
      assert.is(await versionCount(app.client, "big"), 100);
      const first = created.VersionId ?? "";
      const gone = await sdkError(app.client.send(new GetSecretValueCommand({ SecretId: "big", VersionId: first })));
      assert.is(gone.name, "ResourceNotFoundException");

      // The first version's ciphertext is still in the log, but its data key is gone for good.
      await app.whenKeysShredded();
      const events = await loggedEvents(app);
      const logged = events.find((e) => e.event.type === "VersionCreated" && e.event.data.versionId === first)?.event;
      assert.ok(logged?.type === "VersionCreated", "the pruned version is still in the log");
      assert.is(events.filter((e) => e.event.type === "VersionsPruned").length, 1);
      const arn = created.ARN ?? "";
      assert.is(await dataKeyOf(app, arn, first), undefined);
      // No other key opens it either: not a kept version's, not a fresh one.
      const current = (await app.client.send(new GetSecretValueCommand({ SecretId: "big" }))).VersionId ?? "";
      const otherKey = (await dataKeyOf(app, arn, current))?.dataKey ?? Buffer.alloc(32);
      const sealed = logged?.type === "VersionCreated" ? logged.data.value : undefined;
      if (sealed !== undefined)
        for (const key of [otherKey, randomBytes(32)])
          assert.throws(
            () => openValue(key, sealed, { arn, versionId: first }),
            (e: unknown) => e instanceof DecryptionError,
          );
    } finally {
      await app.stop();
    }
  },
);

Compactor("two instances compacting at once prune each version once", async () => {
  const region = freshRegion();
  const keyringFile = sharedKeyring();
  let now = Date.UTC(2026, 10, 1);
  const clock = () => now;
  const [a, b] = [
    await startTestApp({ region, keyringFile, clock }),
    await startTestApp({ region, keyringFile, clock }),
  ];
  try {
    for (const name of ["one", "two", "three"]) {
      await a.client.send(
        new CreateSecretCommand({ Name: name, SecretString: "v0", ClientRequestToken: randomUUID() }),
      );
      for (let i = 1; i < 110; i++) await put(a.client, name, `v${i}`);
    }
    now += 25 * HOUR;
    await b.catalog.whenCaughtUp(await a.log.lastSeq());
    const [fromA, fromB] = await Promise.all([a.compact(), b.compact()]);
    assert.is(fromA.versionsPruned + fromB.versionsPruned, 30);
    const pruneEvents = (await loggedEvents(a)).filter((e) => e.event.type === "VersionsPruned");
    assert.is(pruneEvents.length, 3);
    const ids = pruneEvents.flatMap((e) => (e.event.type === "VersionsPruned" ? e.event.data.versionIds : []));
    assert.is(new Set(ids).size, 30);
  } finally {
    await a.stop();
    await b.stop();
  }
});

Compactor.run();
