// npm run bench:replication -- --writes 300: replication lag on loopback. Two regions, each its own nats-server
// (the replica's joined to the primary's by a leafnode) and its own service: the primary's in a process of its own,
// as `npm start` runs it (as it would be on a machine of its own: its work, its heap's collections and its timers are
// not the replica region's), the replica region's in this process. For each write,
// the lag runs from the primary's answer to PutSecretValue until the replica region's GetSecretValue answers
// the new version. The reference, measured the same way in the same run: a raw JetStream publish in the primary
// until the replica region's mirror of that stream holds the message (what the log alone costs).
import {
  SecretsManagerClient,
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
} from "@aws-sdk/client-secrets-manager";
import { StorageType, jetstream, jetstreamManager } from "@nats-io/jetstream";
import * as E from "fp-ts/lib/Either.js";
import { connect } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startApp } from "../src/app.js";
import { loadConfig, type Config } from "../src/config.js";
import { loadOrCreateKeyring } from "../src/crypto/keyring.js";
import { startNatsServer } from "../src/store/nats-server.js";
import { streamName } from "../src/store/subjects.js";
import { heapAfterGc as heap, machine, percentile } from "./measures.js";
import { spawnService, stopChild, waitForLine } from "./processes.js";
import { PRIMARY, REPLICA, credentials, envOf, firstPassApart, firstPassReads } from "./regions.js";

const { values: args } = parseArgs({
  options: {
    writes: { type: "string" },
    replicas: { type: "string" },
    "first-pass": { type: "boolean" },
    "sync-interval": { type: "string" },
    "first-pass-again": { type: "string" },
    versions: { type: "string" },
  },
});
/** The replica region is down while the replicated secrets are made: its start is then its first pass over them. */
const FIRST_PASS = args["first-pass"] === true;
/**
 * With --first-pass-again N: the first pass measured N times more, each in a process of its own as deployed, the
 * replica region made anew over the same mirror (one figure on two busy cores moves by a second from run to run).
 */
const FIRST_PASS_AGAIN = FIRST_PASS ? Number(args["first-pass-again"] ?? 0) : 0;
const WRITES = Number(args.writes ?? 300);
/** With --replicas N: that many replicated secrets, how long the replica region takes to serve them, and to restart. */
const REPLICAS = Number(args.replicas ?? 0);
/** With --versions N: each replicated secret made with N versions (created, then N - 1 PutSecretValue). */
const VERSIONS = Number(args.versions ?? 1);
/** With --sync-interval 2m: both servers fsync in the background, not at each write (what the writes' fsyncs cost). */
const SYNC_INTERVAL = args["sync-interval"] ?? "always";

const summary = (lags: number[]): { p50: number; p99: number; max: number } => {
  const sorted = [...lags].sort((x, y) => x - y);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN };
};
const ms = (n: number): string => `${n.toFixed(2)} ms`;

/** A region's configuration, read by the service's own loader from those variables. */
const configOf = (...region: Parameters<typeof envOf>): Config => {
  const config = loadConfig(envOf(...region));
  if (E.isLeft(config)) throw new Error(config.left);
  return config.right;
};

const clientOf = (endpoint: string, region: string): SecretsManagerClient =>
  new SecretsManagerClient({ endpoint, region, credentials, maxAttempts: 1 });

const main = async (): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), "secret-ledger-replication-"));
  const natsA = await startNatsServer({
    storeDir: join(dir, "nats-a"),
    logFile: join(dir, "nats-a.log"),
    region: PRIMARY,
    syncInterval: SYNC_INTERVAL,
  });
  const natsB = await startNatsServer({
    storeDir: join(dir, "nats-b"),
    logFile: join(dir, "nats-b.log"),
    region: REPLICA,
    syncInterval: SYNC_INTERVAL,
    leafnodeRemotes: [natsA.leafnodeUrl],
  });
  const keyringFile = join(dir, "keyring.json");
  loadOrCreateKeyring(keyringFile);
  const quiet = { logger: () => undefined };
  // The primary, as `npm start` runs it.
  const a = spawnService(envOf(dir, PRIMARY, natsA.url, keyringFile, []), "pipe");
  const primaryEndpoint = (await waitForLine(a, /Endpoint:\s+(\S+)/))[1] as string;
  let b = await startApp(configOf(dir, REPLICA, natsB.url, keyringFile, [PRIMARY]), quiet);
  const ca = clientOf(primaryEndpoint, PRIMARY);
  let cb = clientOf(b.endpoint, REPLICA);
  // The primary's log's last record, as its nats-server has it.
  const nca = await connect({ servers: natsA.url });
  const jsmA = await jetstreamManager(nca);
  const primaryLastSeq = async (): Promise<number> => (await jsmA.streams.info(streamName(PRIMARY))).state.last_seq;
  try {
    // The service: a write in the primary, until the replica region serves it. Writes go round a few secrets,
    // each kept under the version quota.
    const names = Array.from({ length: Math.ceil(WRITES / 100) }, (_, k) => `bench/replicated-${k}`);
    for (const name of names)
      await ca.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: "v0",
          ClientRequestToken: randomUUID(),
          AddReplicaRegions: [{ Region: REPLICA }],
        }),
      );
    await b.whenReplicaCaughtUp(PRIMARY, await primaryLastSeq());
    const service: number[] = [];
    let polls = 0;
    for (let i = 1; i <= WRITES; i++) {
      const versionId = randomUUID();
      const name = names[i % names.length] as string;
      await ca.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: `v${i}`,
          ClientRequestToken: versionId,
        }),
      );
      const acked = performance.now();
      for (;;) {
        polls++;
        const read = await cb.send(new GetSecretValueCommand({ SecretId: name }));
        if (read.VersionId === versionId) break;
      }
      service.push(performance.now() - acked);
    }
    // The reference: a raw publish in the primary's JetStream, until the replica region's mirror holds it.
    const ncb = await connect({ servers: natsB.url });
    const jsmB = await jetstreamManager(ncb);
    await jsmA.streams.add({ name: "BENCH_RAW", subjects: ["bench.raw"], storage: StorageType.File });
    await jsmB.streams.add({
      name: "BENCH_RAW",
      storage: StorageType.File,
      mirror: { name: "BENCH_RAW", external: { api: `$JS.${PRIMARY}.API`, deliver: "" } },
    });
    const js = jetstream(nca);
    const raw: number[] = [];
    for (let i = 1; i <= WRITES; i++) {
      const ack = await js.publish("bench.raw", `m${i}`);
      const acked = performance.now();
      while ((await jsmB.streams.getMessage("BENCH_RAW", { seq: ack.seq }).catch(() => null)) === null) polls++;
      raw.push(performance.now() - acked);
    }
    await ncb.drain();
    let scale = "";
    if (REPLICAS > 0) {
      const creating = performance.now();
      let next = 0;
      const creator = async (): Promise<void> => {
        for (let k = next++; k < REPLICAS; k = next++) {
          await ca.send(
            new CreateSecretCommand({
              Name: `bench/many-${k}`,
              SecretString: `value ${k}`,
              ClientRequestToken: randomUUID(),
              AddReplicaRegions: [{ Region: REPLICA }],
            }),
          );
          for (let v = 1; v < VERSIONS; v++)
            await ca.send(
              new PutSecretValueCommand({
                SecretId: `bench/many-${k}`,
                SecretString: `value ${k}`,
                ClientRequestToken: randomUUID(),
              }),
            );
        }
      };
      if (FIRST_PASS) {
        cb.destroy();
        await b.stop();
      }
      await Promise.all(Array.from({ length: 16 }, creator));
      const created = performance.now();
      if (FIRST_PASS) {
        b = await startApp(configOf(dir, REPLICA, natsB.url, keyringFile, [PRIMARY]), quiet);
        cb = clientOf(b.endpoint, REPLICA);
      }
      await b.whenReplicaCaughtUp(PRIMARY, await primaryLastSeq());
      const served = performance.now();
      cb.destroy();
      await b.stop();
      // The first pass's reference, in the same run: the reads it needs, raw.
      const reads = FIRST_PASS ? await firstPassReads(natsB.url) : undefined;
      const heapWithout = heap();
      const restarting = performance.now();
      b = await startApp(configOf(dir, REPLICA, natsB.url, keyringFile, [PRIMARY]), quiet);
      const restarted = performance.now();
      cb = clientOf(b.endpoint, REPLICA);
      const read = await cb.send(new GetSecretValueCommand({ SecretId: `bench/many-${REPLICAS - 1}` }));
      if (read.SecretString !== `value ${REPLICAS - 1}`) throw new Error("the restarted replica region misread");
      // Its listings, every replica among what they go through: a page of 100, unfiltered and by a name prefix.
      const listing = async (filtered: boolean): Promise<number[]> => {
        const took: number[] = [];
        for (let i = 0; i < 20; i++) {
          const started = performance.now();
          const filters = [{ Key: "name" as const, Values: [`bench/many-${i}`] }];
          await cb.send(new ListSecretsCommand({ MaxResults: 100, ...(filtered ? { Filters: filters } : {}) }));
          took.push(performance.now() - started);
        }
        return took;
      };
      const [unfiltered, byPrefix] = [summary(await listing(false)), summary(await listing(true))];
      // What the replica region holds: the heap with it started again, less the heap while it was stopped.
      const held = heap() - heapWithout;
      const passes: number[] = [];
      if (FIRST_PASS_AGAIN > 0) {
        cb.destroy();
        await b.stop();
        const run = { dir, natsUrl: natsB.url, keyringFile, primary: ca, secretName: names[0] as string };
        // The replica region's service here stays stopped (stopping it again below does nothing).
        for (let k = 0; k < FIRST_PASS_AGAIN; k++) passes.push(await firstPassApart(run));
      }
      scale =
        `${REPLICAS} replicated secrets of ${VERSIONS} version(s): created in ${((created - creating) / 1000).toFixed(1)} s (16 in flight), ` +
        `all served in ${REPLICA} ${((served - created) / 1000).toFixed(1)} s later` +
        (FIRST_PASS ? ` (its first pass over them: it was down while they were made, and started then); ` : "; ") +
        `${REPLICA} restarted (from its checkpoint) and serving them in ${((restarted - restarting) / 1000).toFixed(1)} s; ` +
        `its heap then ${(held / 2 ** 20).toFixed(1)} MiB, ${(held / REPLICAS).toFixed(0)} bytes a replica (${VERSIONS} version(s) each)\n` +
        (reads === undefined
          ? ""
          : `the reads the first pass needs, raw (bytes only), in the same run: the mirrored log ${reads.log.seconds.toFixed(2)} s ` +
            `(${reads.log.messages} records), the primary's keys over the leafnode ${reads.keys.seconds.toFixed(2)} s ` +
            `(${reads.keys.messages}); the first pass took ${((served - created) / 1000 / (reads.log.seconds + reads.keys.seconds)).toFixed(1)}× their sum\n`) +
        `ListSecrets in ${REPLICA}, a page of 100 (20 each): p50 ${ms(unfiltered.p50)}, max ${ms(unfiltered.max)}; ` +
        `by a name prefix: p50 ${ms(byPrefix.p50)}, max ${ms(byPrefix.max)}\n` +
        (passes.length > 0
          ? `its first pass again in a process of its own as \`npm start\` runs it (made anew over the same mirror; ` +
            `from its start until the primary holds its report), ${passes.length} runs: ` +
            `${passes.map((p) => p.toFixed(1)).join(", ")} s; median ${percentile(
              [...passes].sort((x, y) => x - y),
              0.5,
            ).toFixed(1)} s\n`
          : "");
    }
    const s = summary(service);
    const r = summary(raw);
    process.stdout.write(
      `replication lag over ${WRITES} writes (loopback, primary's ack until the replica serves it):\n` +
        `  secret-ledger (PutSecretValue → GetSecretValue in ${REPLICA}): p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)}\n` +
        `  raw JetStream mirror (publish → message in the mirror):        p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)}\n` +
        `  ratio p50 ${(s.p50 / r.p50).toFixed(1)}x, p99 ${(s.p99 / r.p99).toFixed(1)}x; ${polls} polls\n` +
        scale +
        `nats-server sync_interval: ${SYNC_INTERVAL}\n` +
        `${machine()}\n`,
    );
  } finally {
    ca.destroy();
    cb.destroy();
    await b.stop();
    await nca.drain();
    await stopChild(a);
    await natsB.stop();
    await natsA.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

await main();
