import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { RunningNatsServer } from "../../src/store/nats-server.js";
import { startTestApp, TEST_CREDENTIALS } from "../support/app.js";
import { freshRegion, startOwnNatsServer, tempDir, within } from "../support/nats.js";
import { seededRandom } from "../support/random.js";
import { readyzUntil, startServiceProcess, type ServiceProcess } from "../support/service-process.js";

// Chaos: SDK writers on a few secrets while the service process and its nats-server are killed with SIGKILL,
// one, the other or both, at moments picked at random (after a random number of acknowledged writes, so the run
// is bounded by work, not by time). Both are started again each time. Then: every acknowledged PutSecretValue
// reads back with its value, every secret has one AWSCURRENT and at most one AWSPREVIOUS, and a projection
// rebuilt from the log alone equals the live one. SECRET_LEDGER_CHAOS_KILLS makes the run longer.

const KILLS = Number(process.env["SECRET_LEDGER_CHAOS_KILLS"] ?? 12);
const WRITERS = 8;
const SECRETS = ["chaos/a", "chaos/b", "chaos/c", "chaos/d", "chaos/e", "chaos/f"];
const SEED = Number(process.env["SECRET_LEDGER_CHAOS_SEED"] ?? Date.now() % 100_000);

const random = seededRandom(SEED).below;

type Acknowledged = { readonly secret: string; readonly token: string; readonly value: string };

/** What a client can see of the secrets, values aside (reading values records access: it would change state). */
const snapshot = async (client: SecretsManagerClient): Promise<Record<string, unknown>> => {
  const out: Record<string, unknown> = {};
  for (const name of SECRETS) {
    const { $metadata: _d, ...described } = await client.send(new DescribeSecretCommand({ SecretId: name }));
    const { $metadata: _l, ...versions } = await client.send(
      new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true, MaxResults: 100 }),
    );
    out[name] = { described, versions };
  }
  return out;
};

const Chaos = suite("chaos: kill -9 of the service and of nats-server under writes");

Chaos(`${KILLS} kills: nothing acknowledged lost, label invariants hold, replay equals live`, async () => {
  process.stdout.write(`\n  chaos seed ${SEED} (SECRET_LEDGER_CHAOS_SEED to replay it)\n`);
  const natsDir = tempDir("chaos-nats");
  const dataDir = tempDir("chaos-data");
  const region = freshRegion();
  let nats: RunningNatsServer = await startOwnNatsServer(natsDir);
  const port = nats.port;
  // Versions pile up fast: the quota is lifted so that no write is refused for it.
  const env = { NATS_URL: `nats://127.0.0.1:${port}`, SECRET_LEDGER_VERSION_QUOTA: "100000" };
  const clientOf = (s: ServiceProcess): SecretsManagerClient =>
    new SecretsManagerClient({ endpoint: s.endpoint, region, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  let service = await startServiceProcess(env, { dataDir, region });
  let client = clientOf(service);
  const clients = [client];
  for (const name of SECRETS)
    await client.send(new CreateSecretCommand({ Name: name, SecretString: "v0", ClientRequestToken: randomUUID() }));

  // Calm: everything up and ready. Writers that fail wait for the next calm, then go on.
  let calm: Promise<void> = Promise.resolve();
  let writing = true;
  const acknowledged: Acknowledged[] = [];
  let failed = 0;
  let sinceKill = 0;
  let killDue = 5 + random(30);
  let wake: () => void = () => undefined;
  let killTime = new Promise<void>((resolve) => (wake = resolve));
  const writers = Array.from({ length: WRITERS }, async (_, w) => {
    for (let i = 0; writing; i++) {
      const secret = SECRETS[(w + i) % SECRETS.length] as string;
      const token = randomUUID();
      const value = `${secret} w${w} #${i}`;
      try {
        await client.send(
          new PutSecretValueCommand({ SecretId: secret, SecretString: value, ClientRequestToken: token }),
        );
        acknowledged.push({ secret, token, value });
        if (++sinceKill === killDue) wake();
      } catch {
        failed++;
        await calm;
      }
    }
  });

  const kinds = { service: 0, nats: 0, both: 0 };
  for (let k = 0; k < KILLS; k++) {
    await within(60_000, `writes acknowledged before kill ${k + 1}`, killTime);
    let settle: () => void = () => undefined;
    calm = new Promise((resolve) => (settle = resolve));
    const kind = (["service", "nats", "both"] as const)[random(3)] as keyof typeof kinds;
    kinds[kind]++;
    if (kind !== "nats") {
      service.process.kill("SIGKILL");
      await service.exited;
    }
    if (kind !== "service") {
      nats.process.kill("SIGKILL");
      await new Promise((resolve) => nats.process.once("exit", resolve));
      nats = await startOwnNatsServer(natsDir, port);
    }
    if (kind !== "nats") {
      service = await within(60_000, "the service started again", startServiceProcess(env, { dataDir, region }));
      client = clientOf(service);
      clients.push(client);
    }
    await within(60_000, "the service ready again", readyzUntil(service.endpoint, 200));
    sinceKill = 0;
    killDue = 5 + random(30);
    killTime = new Promise<void>((resolve) => (wake = resolve));
    settle();
  }
  writing = false;
  await within(60_000, "the writers stopped", Promise.all(writers));
  process.stdout.write(
    `  chaos: ${acknowledged.length} writes acknowledged, ${failed} failed during kills; kills: ${JSON.stringify(kinds)}\n`,
  );
  assert.ok(acknowledged.length >= KILLS * 5, "writes went on between the kills");

  try {
    const live = await snapshot(client);
    // Label invariants, on every secret.
    for (const name of SECRETS) {
      const stages = Object.values(
        (live[name] as { described: { VersionIdsToStages?: Record<string, string[]> } }).described.VersionIdsToStages ??
          {},
      );
      assert.is(stages.filter((s) => s.includes("AWSCURRENT")).length, 1, `${name}: one AWSCURRENT`);
      assert.ok(stages.filter((s) => s.includes("AWSPREVIOUS")).length <= 1, `${name}: at most one AWSPREVIOUS`);
      assert.not.ok(
        stages.some((s) => s.includes("AWSCURRENT") && s.includes("AWSPREVIOUS")),
        name,
      );
    }
    // A projection made from the log alone (new data dir, no checkpoint; the same keyring) equals the live one.
    const rebuilt = await startTestApp({
      natsUrl: env.NATS_URL,
      region,
      keyringFile: join(dataDir, "keyring.json"),
      versions: { keep: 100, minAgeHours: 24, quota: 100_000 },
    });
    try {
      assert.equal(await snapshot(rebuilt.client), live, "the rebuilt projection differs from the live one");
    } finally {
      await rebuilt.stop();
    }
    // Every acknowledged write reads back, by its VersionId, with its value.
    for (const { secret, token, value } of acknowledged) {
      const got = await client.send(new GetSecretValueCommand({ SecretId: secret, VersionId: token }));
      assert.is(got.SecretString, value, `${secret} ${token}`);
    }
  } finally {
    for (const c of clients) c.destroy();
    service.process.kill("SIGTERM");
    await service.exited;
    await nats.stop();
  }
});

Chaos.run();
