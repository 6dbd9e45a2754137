import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { connect } from "@nats-io/transport-node";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KeyStore } from "../../src/store/key-store.js";
import { projectRoot } from "../../src/store/nats-server.js";
import { dataKeyOf, startTestApp, type TestApp } from "../support/app.js";
import { tempDir } from "../support/nats.js";

// A data directory the service left before event schema 2 (test/fixtures/schema-1-data: every data key in the key
// store by version, a checkpoint of that time, which held the values themselves): today's service starts on it (the
// checkpoint's format is older: it replays the log once, and writes a checkpoint of today's format at its stop),
// reads every version back, writes new versions with their data keys in the log beside the old ones, and prunes
// both kinds.

const FIXTURE = join(projectRoot(), "test", "fixtures", "schema-1-data");
const expected = JSON.parse(readFileSync(join(FIXTURE, "expected.json"), "utf8")) as Record<
  string,
  Record<string, string>
>;
const DAY_AND_HALF = 36 * 60 * 60 * 1000;
/** The service's clock: moved on a day and a half before the compactor runs, so the new versions are old by then. */
let later = 0;
const VERSIONS = { keep: 2, minAgeHours: 24, quota: 50 };

const valueOf = async (client: SecretsManagerClient, name: string, versionId: string): Promise<string | undefined> => {
  const read = await client.send(new GetSecretValueCommand({ SecretId: name, VersionId: versionId }));
  return read.SecretBinary === undefined
    ? read.SecretString
    : `base64:${Buffer.from(read.SecretBinary).toString("base64")}`;
};

const open = (dataDir: string): Promise<TestApp> =>
  startTestApp({
    dataDir,
    embedded: true,
    region: "us-east-1",
    versions: VERSIONS,
    clock: () => Date.now() + later,
  });

const Schema1 = suite("a data directory from before event schema 2");

Schema1(
  "starts (replaying an old checkpoint's log), reads every version, takes new ones and prunes both kinds",
  async () => {
    const dataDir = tempDir("schema-1");
    execFileSync("tar", ["xzf", join(FIXTURE, "data.tar.gz"), "-C", dataDir]);
    let app = await open(dataDir);
    try {
      assert.equal(app.startedFrom, { replay: "the checkpoint is of an older format (2)" });
      await app.client.send(new RestoreSecretCommand({ SecretId: "legacy/deleted" }));
      for (const [name, versions] of Object.entries(expected))
        for (const [versionId, value] of Object.entries(versions))
          assert.is(await valueOf(app.client, name, versionId), value, `${name} ${versionId}`);

      // New versions beside the old: their data keys are in the log, under the secret's first key.
      const fresh: string[] = [];
      for (let i = 0; i < 3; i++) {
        const token = randomUUID();
        await app.client.send(
          new PutSecretValueCommand({ SecretId: "legacy/db", SecretString: `new #${i}`, ClientRequestToken: token }),
        );
        fresh.push(token);
      }
      const db = app.catalog.entry("legacy/db").state;
      assert.ok(db.status === "active" && db.keyEpoch === 1);
      const arn = db.status === "active" ? db.arn : "";
      for (const [i, id] of fresh.entries()) assert.is(await valueOf(app.client, "legacy/db", id), `new #${i}`);

      // Kept: FIRST (an old one), AWSPREVIOUS and AWSCURRENT (new ones); pruned: the three other old ones and the
      // first new one, so the secret gets a new key.
      later = DAY_AND_HALF;
      await app.compact();
      await app.whenKeysShredded();
      const kept = (
        await app.client.send(new ListSecretVersionIdsCommand({ SecretId: "legacy/db", IncludeDeprecated: true }))
      ).Versions?.map((v) => v.VersionId ?? "");
      const old = Object.keys(expected["legacy/db"] ?? {});
      const first = old.find((id) => expected["legacy/db"]?.[id] === "legacy db #0") ?? "";
      assert.equal(kept?.sort(), [first, fresh[1], fresh[2]].sort());
      for (const id of [...old.filter((id) => id !== first), fresh[0] ?? ""])
        assert.is(await dataKeyOf(app, arn, id), undefined, `pruned ${id} is shredded`);
      const nc = await connect({ servers: app.natsUrl });
      const keys = await KeyStore.open(nc, "us-east-1");
      assert.is(await keys.getSecretKey(arn, 1), undefined, "the secret's first key is erased");
      assert.ok((await keys.getSecretKey(arn, 2)) !== undefined);
      await nc.drain();

      // Once more after a restart, from the checkpoint of today's format its stop wrote: what was kept reads back.
      await app.stop();
      app = await open(dataDir);
      assert.ok("checkpoint" in app.startedFrom, "the new checkpoint was used");
      assert.is(await valueOf(app.client, "legacy/db", first), "legacy db #0");
      for (const i of [1, 2]) assert.is(await valueOf(app.client, "legacy/db", fresh[i] ?? ""), `new #${i}`);
      for (const [name, versions] of Object.entries(expected))
        if (name !== "legacy/db")
          for (const [versionId, value] of Object.entries(versions))
            assert.is(await valueOf(app.client, name, versionId), value);
    } finally {
      await app.stop();
    }
  },
);

Schema1.run();
