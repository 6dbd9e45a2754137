import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { connect } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { KeyStep } from "../../src/application/handle-command.js";
import { KeyStore } from "../../src/store/key-store.js";
import { projectRoot } from "../../src/store/nats-server.js";
import { dataKeyOf, startTestApp, TEST_CREDENTIALS, type TestApp } from "../support/app.js";
import { freshRegion, tempDir } from "../support/nats.js";
import { startServiceProcess } from "../support/service-process.js";

// A pruning of versions whose data keys are in the log takes three steps: the secret's new key (holding the
// survivors' data keys) is written to the key store, the record that prunes and names the new key is appended,
// the old keys are erased. The service is killed (SIGKILL) right after each step, then started again: no
// acknowledged write is lost, every survivor reads back, and once the restarted service has done its part the
// pruned versions' data keys cannot be recovered from anything stored, and no older key of the secret is left.

const STEPS: ReadonlyArray<KeyStep> = ["new secret key written", "replacement appended", "old secret keys erased"];
const VERSIONS = { keep: 2, minAgeHours: 24, quota: 50 };
const DAY_AND_HALF = 36 * 60 * 60 * 1000;
const SECRET = "crash/db";
const OTHER = "crash/other";

/** Every version of a secret, deprecated ones included. */
const versionsOf = async (client: SecretsManagerClient, id: string): Promise<string[]> =>
  ((await client.send(new ListSecretVersionIdsCommand({ SecretId: id, IncludeDeprecated: true }))).Versions ?? []).map(
    (v) => v.VersionId ?? "",
  );

/** The epochs of the secret's keys still in the key store, up to `upTo`. */
const secretKeyEpochs = async (app: TestApp, arn: string, upTo: number): Promise<number[]> => {
  const nc = await connect({ servers: app.natsUrl });
  try {
    const keys = await KeyStore.open(nc, app.config.region);
    const epochs: number[] = [];
    for (let e = 1; e <= upTo; e++) if ((await keys.getSecretKey(arn, e)) !== undefined) epochs.push(e);
    return epochs;
  } finally {
    await nc.drain();
  }
};

const Crash = suite("a pruning killed between its steps");

for (const step of STEPS)
  Crash(`killed right after "${step}": nothing acknowledged is lost, the pruned are shredded`, async () => {
    const dataDir = tempDir("prune-crash");
    const region = freshRegion();
    const env = {
      SECRET_LEDGER_VERSIONS_KEEP: String(VERSIONS.keep),
      SECRET_LEDGER_VERSIONS_MIN_AGE_HOURS: String(VERSIONS.minAgeHours),
      SECRET_LEDGER_VERSION_QUOTA: String(VERSIONS.quota),
    };
    const service = await startServiceProcess(env, {
      dataDir,
      region,
      script: [join(projectRoot(), "dist", "test", "support", "key-step-crash.js"), step],
    });
    const client = new SecretsManagerClient({
      endpoint: service.endpoint,
      region,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    const values = new Map<string, string>();
    let arn = "";
    try {
      for (const [name, count] of [
        [SECRET, 6],
        [OTHER, 2],
      ] as const)
        for (let i = 0; i < count; i++) {
          const token = randomUUID();
          const value = `${name} #${i}`;
          if (i === 0) {
            const created = await client.send(
              new CreateSecretCommand({ Name: name, SecretString: value, ClientRequestToken: token }),
            );
            if (name === SECRET) arn = created.ARN ?? "";
          } else
            await client.send(
              new PutSecretValueCommand({ SecretId: name, SecretString: value, ClientRequestToken: token }),
            );
          values.set(token, value);
        }
      service.process.kill("SIGUSR2");
      assert.is(await service.exited, null, "the service was killed by a signal");
    } finally {
      client.destroy();
      service.process.kill("SIGKILL");
    }

    const app = await startTestApp({ dataDir, region, versions: VERSIONS, clock: () => Date.now() + DAY_AND_HALF });
    try {
      await app.whenKeysShredded();
      const before = await versionsOf(app.client, SECRET);
      // Killed before the record landed: nothing was pruned; after, the pruning stands.
      assert.is(before.length, step === "new secret key written" ? 6 : VERSIONS.keep);
      await app.compact();
      await app.whenKeysShredded();
      const survivors = await versionsOf(app.client, SECRET);
      assert.is(survivors.length, VERSIONS.keep);
      for (const [name, ids] of [
        [SECRET, survivors],
        [OTHER, await versionsOf(app.client, OTHER)],
      ] as const)
        for (const id of ids) {
          const read = await app.client.send(new GetSecretValueCommand({ SecretId: name, VersionId: id }));
          assert.is(read.SecretString, values.get(id), `version ${id} of ${name} reads back`);
        }
      const pruned = [...values.keys()].filter(
        (id) => values.get(id)?.startsWith(SECRET) === true && !survivors.includes(id),
      );
      assert.is(pruned.length, 4);
      for (const id of pruned)
        assert.is(await dataKeyOf(app, arn, id), undefined, `pruned version ${id}'s key is gone`);
      for (const id of survivors) assert.ok((await dataKeyOf(app, arn, id)) !== undefined);
      const state = app.catalog.entry(SECRET).state;
      const epoch = state.status === "active" ? (state.keyEpoch ?? 0) : 0;
      assert.equal(await secretKeyEpochs(app, arn, epoch + 2), [epoch], "only the secret's key now is left");
    } finally {
      await app.stop();
    }
  });

Crash.run();
