// npm run bench:replay -- --secrets 100000: replay and cold start. Seeds a log of that many secrets, 10 events
// each (1,000,000 events for 100,000 secrets), on a nats-server of its own; then measures, in the same run:
//   - the raw read rate of the stream with an ordered consumer (the ceiling: nothing decoded, nothing folded);
//   - the replay rate into the projection (decode, upcast, fold);
//   - the service's cold start without a checkpoint (a full replay) and with one, and its resident memory.
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SecretCatalog } from "../projections/secret-catalog.js";
import { labelMoved, secretCreated, versionCreated, type CommandRecord } from "../src/domain/events.js";
import type { SecretName, StagingLabel, VersionId } from "../src/domain/types.js";
import { EventLog } from "../src/store/event-log.js";
import { startNatsServer } from "../src/store/nats-server.js";
import { secretSubject } from "../src/store/subjects.js";
import { residentMiB, stopChild, waitForLine } from "./processes.js";
import { machine } from "./measures.js";

const { values: args } = parseArgs({ options: { secrets: { type: "string" } } });
const SECRETS = Number(args.secrets ?? 100_000);
const EVENTS_PER_SECRET = 10;
const region = "us-east-1";
const account = "000000000000";
const credentials = { accessKeyId: "AKIDBENCHMARK0000000", secretAccessKey: randomBytes(30).toString("base64") };

const since = (from: number): number => (performance.now() - from) / 1000;
const CURRENT = "AWSCURRENT" as StagingLabel;
const PREVIOUS = "AWSPREVIOUS" as StagingLabel;

/** One secret's record: created, three versions with their label moves, a tag: ten events. */
const seedRecord = (name: SecretName, at: number): CommandRecord => {
  const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;
  const [v1, v2, v3] = [randomUUID(), randomUUID(), randomUUID()] as VersionId[] as [VersionId, VersionId, VersionId];
  const value = () => ({
    kind: "string" as const,
    ciphertext: randomBytes(72).toString("base64"),
    fingerprint: randomBytes(32).toString("base64"),
    key: { in: "log" as const, epoch: 1, wrapped: randomBytes(61).toString("base64") },
  });
  return {
    schemaVersion: 1,
    command: "Seed",
    requestId: randomUUID(),
    events: [
      secretCreated({ name, arn }, at),
      versionCreated(v1, value(), at),
      labelMoved(CURRENT, undefined, v1, at),
      versionCreated(v2, value(), at),
      labelMoved(CURRENT, v1, v2, at),
      labelMoved(PREVIOUS, undefined, v1, at),
      versionCreated(v3, value(), at),
      labelMoved(CURRENT, v2, v3, at),
      labelMoved(PREVIOUS, v1, v2, at),
      { type: "SecretTagged", data: { tags: [{ Key: "team", Value: "bench" }] }, meta: { schemaVersion: 1, at } },
    ],
  };
};

/** Starts the service on the seeded log; answers how long until it listened, and its resident memory then. */
const coldStart = async (
  natsUrl: string,
  dataDir: string,
): Promise<{ seconds: number; how: string; rss?: number; stop: () => Promise<void> }> => {
  const started = performance.now();
  const service = spawn(process.execPath, [join(import.meta.dirname, "..", "src", "main.js")], {
    env: {
      ...process.env,
      NATS_URL: natsUrl,
      SECRET_LEDGER_DATA: dataDir,
      SECRET_LEDGER_LISTEN: "127.0.0.1:0",
      SECRET_LEDGER_REGION: region,
      SECRET_LEDGER_ACCOUNT: account,
      SECRET_LEDGER_ACCESS_KEY_ID: credentials.accessKeyId,
      SECRET_LEDGER_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [startedFrom] = await Promise.all([
    waitForLine(service, /"msg":"projection (restored from its checkpoint|replayed from the start)"/),
    waitForLine(service, /Endpoint:\s+(\S+)/),
  ]);
  const seconds = since(started);
  const rss = residentMiB(service.pid);
  return {
    seconds,
    how: startedFrom[1] as string,
    ...(rss === undefined ? {} : { rss }),
    stop: () => stopChild(service),
  };
};

const main = async (): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), "secret-ledger-replay-"));
  const nats = await startNatsServer({ storeDir: join(dir, "nats"), logFile: join(dir, "nats-server.log") });
  const rows: Array<[string, string]> = [];
  try {
    const nc = await connect({ servers: nats.url });
    const log = await EventLog.open(nc, region);
    const js = jetstream(nc);
    const seeding = performance.now();
    const pending: Array<Promise<unknown>> = [];
    const at = Date.now();
    for (let s = 0; s < SECRETS; s++) {
      const name = `bench/secret-${s}` as SecretName;
      pending.push(js.publish(secretSubject(region, name), JSON.stringify(seedRecord(name, at))));
      if (pending.length >= 1000) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    const lastSeq = await log.lastSeq();
    const events = SECRETS * EVENTS_PER_SECRET;
    process.stdout.write(`seeded ${SECRETS} secrets, ${events} events, in ${since(seeding).toFixed(1)} s\n`);

    // The ceiling: the same stream read by an ordered consumer, bytes only.
    const reading = performance.now();
    const consumer = await js.consumers.get(log.stream, { deliver_policy: DeliverPolicy.All });
    let bytes = 0;
    for (;;) {
      let got = 0;
      let last = 0;
      for await (const m of await consumer.fetch({ max_messages: 1000, expires: 2000 })) {
        got++;
        bytes += m.data.length;
        last = m.seq;
      }
      if (got === 0 || last >= lastSeq) break;
    }
    const rawSeconds = since(reading);
    rows.push([
      "raw ordered-consumer read",
      `${(events / rawSeconds).toFixed(0)} events/s (${(lastSeq / rawSeconds).toFixed(0)} records/s, ${(bytes / 1e6).toFixed(0)} MB in ${rawSeconds.toFixed(1)} s)`,
    ]);

    // The replay: decoded, upcast and folded into the service's own projection.
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    const replaying = performance.now();
    const catalog = new SecretCatalog();
    await log.scan(
      ({ seq, secretName, record }) => catalog.apply(seq, secretName, record.events),
      (seq) => catalog.passOver(seq),
    );
    const replaySeconds = since(replaying);
    const rssAfter = process.memoryUsage().rss / 2 ** 20;
    rows.push([
      "replay into the projection",
      `${(events / replaySeconds).toFixed(0)} events/s (${replaySeconds.toFixed(1)} s; ${catalog.secretCount} secrets; this process grew ${(rssAfter - rssBefore).toFixed(0)} MiB to ${rssAfter.toFixed(0)} MiB)`,
    ]);
    rows.push(["replay / raw read", (rawSeconds / replaySeconds).toFixed(2)]);
    await nc.drain();

    // The service, started cold: first with no checkpoint (a full replay); stopping writes one; then with it.
    const dataDir = join(dir, "data");
    const full = await coldStart(nats.url, dataDir);
    await full.stop();
    const fromCheckpoint = await coldStart(nats.url, dataDir);
    await fromCheckpoint.stop();
    const mib = (rss: number | undefined): string => (rss === undefined ? "?" : `${rss.toFixed(0)} MiB`);
    for (const [what, start] of [
      ["cold start, no checkpoint", full],
      ["cold start, with the checkpoint the stop wrote", fromCheckpoint],
    ] as const)
      rows.push([
        what,
        `${start.seconds.toFixed(1)} s to listening (projection ${start.how}); resident ${mib(start.rss)}`,
      ]);
  } finally {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\n${machine()}\n\n| measure | result |\n| --- | --- |\n`);
  for (const [what, result] of rows) process.stdout.write(`| ${what} | ${result} |\n`);
};

await main();
