import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import * as E from "fp-ts/lib/Either.js";
import { readCheckpoint } from "../../src/store/checkpoint-file.js";
import { EventLog } from "../../src/store/event-log.js";
import { sharedKeyring, startTestApp } from "../support/app.js";
import { freshRegion, tempDir } from "../support/nats.js";

/** Everything a client can read of some secrets, every version's value included. */
const snapshot = async (client: SecretsManagerClient, names: string[]) => {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const { $metadata: _d, ...described } = await client.send(new DescribeSecretCommand({ SecretId: name }));
    const { $metadata: _l, ...listed } = await client.send(
      new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }),
    );
    const values: Record<string, unknown> = {};
    for (const v of listed.Versions ?? []) {
      const { $metadata: _g, ...got } = await client.send(
        new GetSecretValueCommand({ SecretId: name, VersionId: v.VersionId }),
      );
      values[v.VersionId ?? ""] = {
        ...got,
        SecretBinary: got.SecretBinary === undefined ? undefined : Buffer.from(got.SecretBinary).toString("hex"),
      };
    }
    out[name] = { described, listed, values };
  }
  return out;
};

const Restart = suite("a restart of the service");

Restart("rebuilds from the log exactly the state it had, and takes writes again", async () => {
  const dataDir = tempDir("restart-app");
  const region = freshRegion();
  const names = ["app/db", "app/api.key", "bin"];
  // A fixed clock: reads record LastAccessedDate by day, and no midnight may fall between the two snapshots.
  const clock = () => Date.UTC(2026, 10, 27, 12, 0, 0);
  let app = await startTestApp({ embedded: true, dataDir, region, clock });
  let before: Record<string, unknown>;
  try {
    for (const name of names) {
      await app.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: `${name}-1`,
          ClientRequestToken: randomUUID(),
          Description: `the ${name}`,
        }),
      );
      for (let i = 2; i <= 4; i++)
        await app.client.send(
          new PutSecretValueCommand({ SecretId: name, SecretString: `${name}-${i}`, ClientRequestToken: randomUUID() }),
        );
    }
    const pending = randomUUID();
    await app.client.send(
      new PutSecretValueCommand({
        SecretId: "bin",
        SecretBinary: Buffer.from([9, 8, 7]),
        ClientRequestToken: pending,
        VersionStages: ["AWSPENDING"],
      }),
    );
    const current = (await app.client.send(new GetSecretValueCommand({ SecretId: "bin" }))).VersionId ?? "";
    await app.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: "bin",
        VersionStage: "AWSCURRENT",
        MoveToVersionId: pending,
        RemoveFromVersionId: current,
      }),
    );
    await snapshot(app.client, names); // its reads record today's access
    before = await snapshot(app.client, names);
    await app.client.send(
      new CreateSecretCommand({ Name: "gone", SecretString: "x", ClientRequestToken: randomUUID() }),
    );
    await app.client.send(new DeleteSecretCommand({ SecretId: "gone", ForceDeleteWithoutRecovery: true }));
    await app.client.send(
      new CreateSecretCommand({ Name: "scheduled", SecretString: "x", ClientRequestToken: randomUUID() }),
    );
    await app.client.send(new DeleteSecretCommand({ SecretId: "scheduled", RecoveryWindowInDays: 7 }));
  } finally {
    await app.stop();
  }

  // From the checkpoint the stop wrote; then, without it, from the first record: the same state either way.
  for (const from of ["checkpoint", "replay"]) {
    if (from === "replay") rmSync(join(dataDir, "projections", `catalog-${region}.checkpoint`));
    app = await startTestApp({ embedded: true, dataDir, region, clock });
    try {
      assert.is(Object.keys(app.startedFrom)[0], from);
      assert.equal(await snapshot(app.client, names), before);
    } finally {
      await app.stop();
    }
  }
  app = await startTestApp({ embedded: true, dataDir, region, clock });
  try {
    assert.equal(await snapshot(app.client, names), before);
    // Replaying a deletion destroys nothing twice and fails nothing; a scheduled deletion is still scheduled.
    await app.whenKeysShredded();
    assert.equal(
      app.logged.filter((l) => l["level"] === "error"),
      [],
    );
    const gone = await app.client.send(new DescribeSecretCommand({ SecretId: "gone" })).then(
      () => "found",
      (e: Error) => e.name,
    );
    assert.is(gone, "ResourceNotFoundException");
    assert.ok((await app.client.send(new DescribeSecretCommand({ SecretId: "scheduled" }))).DeletedDate);
    const put = await app.client.send(
      new PutSecretValueCommand({ SecretId: "app/db", SecretString: "after", ClientRequestToken: randomUUID() }),
    );
    assert.equal(put.VersionStages, ["AWSCURRENT"]);
    assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "app/db" }))).SecretString, "after");
  } finally {
    await app.stop();
  }
});

Restart(
  "starts from its checkpoint and catches up; a damaged, missing or foreign checkpoint means a full replay",
  async () => {
    const region = freshRegion();
    const keyringFile = sharedKeyring();
    const dataDir = tempDir("checkpointed");
    const file = join(dataDir, "projections", `catalog-${region}.checkpoint`);
    const names = (app: Awaited<ReturnType<typeof startTestApp>>) =>
      [...app.catalog.allSecrets()].map((s) => s.name).sort();
    let app = await startTestApp({ region, keyringFile, dataDir });
    assert.equal(app.startedFrom, { replay: "no checkpoint" });
    for (const name of ["one", "two"])
      await app.client.send(
        new CreateSecretCommand({ Name: name, SecretString: name, ClientRequestToken: randomUUID() }),
      );
    const written = await app.log.lastSeq();
    await app.stop();

    // Another server writes while this one is down.
    const other = await startTestApp({ region, keyringFile });
    await other.client.send(
      new CreateSecretCommand({ Name: "three", SecretString: "3", ClientRequestToken: randomUUID() }),
    );
    await other.stop();

    app = await startTestApp({ region, keyringFile, dataDir });
    try {
      assert.equal(app.startedFrom, { checkpoint: written });
      assert.equal(names(app), ["one", "three", "two"]);
      assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "three" }))).SecretString, "3");
    } finally {
      await app.stop();
    }

    const intact = readFileSync(file, "utf8");
    const identity = async () => {
      const nc = await connect({ servers: app.natsUrl });
      try {
        return await (await EventLog.open(nc, region)).identity();
      } finally {
        await nc.drain();
      }
    };
    const restartAfter = async (damage: () => void, why: string): Promise<void> => {
      damage();
      const replayed = await startTestApp({ region, keyringFile, dataDir });
      try {
        assert.equal(replayed.startedFrom, { replay: why });
        assert.equal(names(replayed), ["one", "three", "two"]);
      } finally {
        await replayed.stop();
      }
      // The stop after a replay writes the checkpoint, even though nothing was written meanwhile.
      const log = await identity();
      assert.equal(E.map((c: { checkpoint: number }) => c.checkpoint)(readCheckpoint(file, log)), E.right(log.lastSeq));
    };
    await restartAfter(
      () => writeFileSync(file, intact.replace('"one"', '"One"')),
      "the checkpoint is damaged: checksum",
    );
    await restartAfter(() => rmSync(file), "no checkpoint");
    // A checkpoint of another region's log, put where this region's would be, is not taken for it.
    const elsewhere = freshRegion();
    const foreign = await startTestApp({ region: elsewhere, keyringFile, dataDir: tempDir("elsewhere") });
    await foreign.client.send(
      new CreateSecretCommand({ Name: "one", SecretString: "1", ClientRequestToken: randomUUID() }),
    );
    await foreign.stop();
    copyFileSync(join(foreign.config.dataDir, "projections", `catalog-${elsewhere}.checkpoint`), file);
    await restartAfter(() => undefined, "the checkpoint is of another log");
  },
);

Restart(
  "values stay in the log: the checkpoint keeps where they are, and a read without a cache reads the record",
  async () => {
    const region = freshRegion();
    const dataDir = tempDir("values-in-log");
    let app = await startTestApp({ embedded: true, dataDir, region, valueCacheBytes: 0 });
    const versions: Record<string, string> = {};
    const held: string[] = [];
    try {
      for (const value of ["first value", "second value", "third value"]) {
        const token = randomUUID();
        if (value === "first value")
          await app.client.send(
            new CreateSecretCommand({ Name: "in/log", SecretString: value, ClientRequestToken: token }),
          );
        else
          await app.client.send(
            new PutSecretValueCommand({ SecretId: "in/log", SecretString: value, ClientRequestToken: token }),
          );
        versions[token] = value;
      }
      for (const [token, value] of Object.entries(versions))
        assert.is(
          (await app.client.send(new GetSecretValueCommand({ SecretId: "in/log", VersionId: token }))).SecretString,
          value,
        );
      // What the log holds of the values: their ciphertext and their wrapped data keys.
      const nc = await connect({ servers: app.natsUrl });
      try {
        for (const { record } of await (await EventLog.open(nc, region)).records(() => undefined))
          for (const e of record.events)
            if (e.type === "VersionCreated" && e.data.value !== undefined) {
              held.push(e.data.value.ciphertext);
              if (e.data.value.key.in === "log") held.push(e.data.value.key.wrapped);
            }
      } finally {
        await nc.drain();
      }
    } finally {
      await app.stop();
    }
    // None of it is in the checkpoint the stop wrote.
    assert.is(held.length, 6);
    const checkpoint = readFileSync(join(dataDir, "projections", `catalog-${region}.checkpoint`), "utf8");
    assert.ok(checkpoint.includes("in/log"), "the checkpoint has the secret");
    for (const h of held) assert.not.ok(checkpoint.includes(h), "no ciphertext and no wrapped key in the checkpoint");

    app = await startTestApp({ embedded: true, dataDir, region, valueCacheBytes: 0 });
    try {
      assert.ok("checkpoint" in app.startedFrom);
      for (const [token, value] of Object.entries(versions))
        assert.is(
          (await app.client.send(new GetSecretValueCommand({ SecretId: "in/log", VersionId: token }))).SecretString,
          value,
        );
      assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "in/log" }))).SecretString, "third value");
    } finally {
      await app.stop();
    }
  },
);

Restart.run();
