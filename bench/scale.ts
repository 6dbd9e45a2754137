// npm run bench:scale -- --secrets 1000000 [--versions 10]: one instance at scale. Seeds a log of that many
// secrets straight into JetStream (one record each: created with a description and a tag, then `versions`
// versions, each taking AWSCURRENT), on a nats-server of its own (seeded with nats-server's lazy fsync, then
// restarted with `sync_interval: always`, as the service runs); then measures, in the same run:
//   - the raw read rate of the stream with an ordered consumer (nothing decoded) and the replay rate into the
//     projection (decode, upcast, fold) in this process;
//   - the service's cold start without a checkpoint and with the one its stop wrote, and its resident memory;
//   - ListSecrets, a page of 100, unfiltered and filtered (name prefix, tag key, tag value, description);
//   - GetSecretValue of secrets made through the API (the seeded values are random bytes no key opens): right
//     after they were written (cached), and after a restart, the first read of each (read from its log record);
//   - `secret-ledger state --at <seq> --secret <name>`, the log folded up to a point for one secret;
//   - `secret-ledger compact --dry-run`: the compactor's pass over every secret.
// Prints a table with the goals of issue 19 beside the figures, and keeps it under results/.
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { execFile, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { SecretCatalog } from "../projections/secret-catalog.js";
import { AwsJsonClient } from "../src/client/aws-json-client.js";
import { secretCreated, type CommandRecord, type SecretEvent } from "../src/domain/events.js";
import type { SecretName } from "../src/domain/types.js";
import { EventLog } from "../src/store/event-log.js";
import { projectRoot, startNatsServer, type RunningNatsServer } from "../src/store/nats-server.js";
import { checkpointPath } from "../src/store/checkpoint-file.js";
import { secretSubject } from "../src/store/subjects.js";
import { LISTINGS } from "./listings.js";
import { machine, percentile } from "./measures.js";
import { residentMiB, spawnService, stopChild, waitForLine } from "./processes.js";
import { cutIntoRecords, versionEvents } from "./seed.js";

const { values: args } = parseArgs({
  options: {
    secrets: { type: "string" },
    versions: { type: "string" },
    readable: { type: "string" },
    "records-per": { type: "string" },
  },
});
const SECRETS = Number(args.secrets ?? 100_000);
const VERSIONS = Number(args.versions ?? 10);
/**
 * How the seeded log is cut into records: "command" (the default), one record per command as the service writes
 * them (CreateSecret with the first version, then one PutSecretValue a version); "secret", one record holding all of
 * a secret's events (fewer, larger messages: the raw read then counts far more events a second).
 */
const RECORDS_PER = args["records-per"] ?? "command";
if (RECORDS_PER !== "command" && RECORDS_PER !== "secret") throw new Error("--records-per: command or secret");
/** How many secrets are made through the API, to be read (GetSecretValue). */
const READABLE = Number(args.readable ?? 500);
/**
 * How many pages of ListSecrets each listing is timed over, one at a time: its p99 is then the 5th slowest (over 30,
 * as it was, the "p99" was the slowest of them: one pause alone decided it).
 */
const SAMPLES = 500;
const region = "us-east-1";
const account = "000000000000";
const credentials = { accessKeyId: "AKIDBENCHMARK0000000", secretAccessKey: randomBytes(30).toString("base64") };

const since = (from: number): number => (performance.now() - from) / 1000;
const ms = (n: number): string => `${n.toFixed(n < 10 ? 2 : 0)} ms`;

/**
 * Secret `s`'s records: created (a description, a tag), then VERSIONS versions, each taking AWSCURRENT; one
 * record per command, or all in one (RECORDS_PER).
 */
const seedRecords = (s: number, at: number): CommandRecord[] => {
  const name = `bench/team-${s % 100}/secret-${s}` as SecretName;
  const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;
  const events: SecretEvent[] = [
    secretCreated(
      { name, arn, description: `seeded secret number ${s}`, tags: [{ Key: "team", Value: `team-${s % 100}` }] },
      at,
    ),
    ...versionEvents(VERSIONS, at),
  ];
  return cutIntoRecords(events, RECORDS_PER);
};

/** The secret whose first record is the log's record `seq` or the last before it (records are seeded in order). */
const secretAt = (seq: number): number => Math.floor((seq - 1) / (RECORDS_PER === "secret" ? 1 : VERSIONS));

/** The service as `npm start` runs it, on the seeded log; how long until it listened, and its resident memory. */
const startService = async (
  natsUrl: string,
  dataDir: string,
): Promise<{
  child: ChildProcess;
  seconds: number;
  how: string;
  rss: number | undefined;
  client: AwsJsonClient;
  /** Once the listings' index is made: how long it took (undefined if the service stopped first). */
  indexed: Promise<RegExpExecArray | undefined>;
}> => {
  const started = performance.now();
  const child = spawnService(
    {
      NATS_URL: natsUrl,
      SECRET_LEDGER_DATA: dataDir,
      SECRET_LEDGER_LISTEN: "127.0.0.1:0",
      SECRET_LEDGER_REGION: region,
      SECRET_LEDGER_ACCOUNT: account,
      // AWS holds a region to 500,000 secrets; a larger seed needs room for the ones the API makes.
      SECRET_LEDGER_SECRET_QUOTA: String(Math.max(500_000, SECRETS + READABLE)),
      SECRET_LEDGER_ACCESS_KEY_ID: credentials.accessKeyId,
      SECRET_LEDGER_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    "pipe",
  );
  const indexed = waitForLine(child, /"msg":"listings' index ready","secrets":\d+,"ms":(\d+)/).catch(() => undefined);
  const [startedFrom, endpoint] = await Promise.all([
    waitForLine(child, /"msg":"projection (restored from its checkpoint|replayed from the start)"/),
    waitForLine(child, /Endpoint:\s+(\S+)/),
  ]);
  return {
    child,
    seconds: since(started),
    how: startedFrom[1] as string,
    rss: residentMiB(child.pid),
    client: new AwsJsonClient(endpoint[1] as string, credentials, region),
    indexed,
  };
};

/** p50 and p99 of `samples` runs of `op`, one at a time, in ms. */
const timed = async (samples: number, op: (i: number) => Promise<void>): Promise<string> => {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await op(i);
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  return `p50 ${ms(percentile(latencies, 0.5))}, p99 ${ms(percentile(latencies, 0.99))}`;
};

const ok = async (client: AwsJsonClient, op: string, input: object): Promise<Record<string, unknown>> => {
  const r = await client.send(`secretsmanager.${op}`, input);
  if (r.status !== 200) throw new Error(`${op}: ${r.status} ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body) as Record<string, unknown>;
};

const mib = (rss: number | undefined): string => (rss === undefined ? "?" : `${rss.toFixed(0)} MiB`);

const main = async (): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), "secret-ledger-scale-"));
  const storeDir = join(dir, "nats");
  const logFile = join(dir, "nats-server.log");
  let nats: RunningNatsServer = await startNatsServer({ storeDir, logFile, syncInterval: "2m" });
  const rows: Array<[string, string, string]> = [];
  const services: ChildProcess[] = [];
  try {
    // What the service takes on an empty log, to tell what the secrets take from what any process does.
    const dataDir = join(dir, "data");
    const empty = await startService(nats.url, dataDir);
    services.push(empty.child);
    await stopChild(empty.child);
    rmSync(checkpointPath(dataDir, region), { force: true });

    // The seed, as fast as JetStream takes it; then nats-server as the service runs it (fsync on every write).
    let nc = await connect({ servers: nats.url });
    const log = await EventLog.open(nc, region);
    const js = jetstream(nc);
    const seeding = performance.now();
    const pending: Array<Promise<unknown>> = [];
    const at = Date.now() - 60 * 60 * 1000;
    for (let s = 0; s < SECRETS; s++) {
      const records = seedRecords(s, at);
      const name = (records[0]?.events[0] as Extract<SecretEvent, { type: "SecretCreated" }>).data.name;
      for (const record of records) pending.push(js.publish(secretSubject(region, name), JSON.stringify(record)));
      if (pending.length >= 2000) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    const lastSeq = await log.lastSeq();
    const events = SECRETS * (2 + VERSIONS * 3 - 1);
    rows.push([
      "seed",
      `${SECRETS} secrets × ${VERSIONS} versions, ${events} events in ${lastSeq} records (one a ${RECORDS_PER}), in ${since(seeding).toFixed(1)} s`,
      "",
    ]);
    await nc.drain();
    await nats.stop();
    nats = await startNatsServer({ storeDir, logFile, port: nats.port });
    nc = await connect({ servers: nats.url });

    // The ceiling: the same stream read by an ordered consumer, bytes only; then the replay into the projection.
    const reading = performance.now();
    const consumer = await jetstream(nc).consumers.get((await EventLog.open(nc, region)).stream, {
      deliver_policy: DeliverPolicy.All,
    });
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
      `${(events / rawSeconds).toFixed(0)} events/s (${(bytes / 1e6).toFixed(0)} MB in ${rawSeconds.toFixed(1)} s)`,
      "",
    ]);
    const replaying = performance.now();
    const catalog = new SecretCatalog();
    await (
      await EventLog.open(nc, region)
    ).scan(
      ({ seq, secretName, record }) => catalog.apply(seq, secretName, record.events),
      (seq) => catalog.passOver(seq),
    );
    const replaySeconds = since(replaying);
    rows.push([
      "replay into the projection",
      `${(events / replaySeconds).toFixed(0)} events/s (${replaySeconds.toFixed(1)} s), ${(rawSeconds / replaySeconds).toFixed(2)} of the raw read`,
      "≥ 0.5 of the raw read",
    ]);
    await nc.drain();

    // The service, cold: without a checkpoint (a replay), then from the checkpoint its stop wrote.
    const replayed = await startService(nats.url, dataDir);
    services.push(replayed.child);
    rows.push([
      "cold start, no checkpoint",
      `${replayed.seconds.toFixed(1)} s to listening (${replayed.how}); resident ${mib(replayed.rss)}`,
      "",
    ]);
    await stopChild(replayed.child);
    let service = await startService(nats.url, dataDir);
    services.push(service.child);
    rows.push([
      "cold start, with the checkpoint",
      `${service.seconds.toFixed(1)} s to listening (${service.how}); resident ${mib(service.rss)}`,
      SECRETS >= 1_000_000 ? "< 2 s" : SECRETS >= 100_000 ? "< 0.5 s (100,000)" : "",
    ]);
    const indexed = await service.indexed;
    // By then every entry of the checkpoint is read (the index reads them all) and the checkpoint let go of.
    const settled = residentMiB(service.child.pid);
    rows.push([
      "listings' index made (while the service answers)",
      `${indexed?.[1] ?? "?"} ms after it listened; resident then ${mib(settled)}`,
      "",
    ]);
    const perSecret = (((settled ?? NaN) - (empty.rss ?? NaN)) * 2 ** 20) / SECRETS;
    rows.push([
      "resident memory a secret",
      `${perSecret.toFixed(0)} bytes (${VERSIONS} versions each, once the index is made; the service on an empty log: ${mib(empty.rss)})`,
      `≤ ${1024 + 100 * VERSIONS} bytes (1 KB + 100 B a version)`,
    ]);

    // Listing: a page of 100, one request at a time.
    for (const [what, input] of LISTINGS)
      rows.push([
        what,
        await timed(SAMPLES, async (i) => {
          await ok(service.client, "ListSecrets", { MaxResults: 100, ...input(i) });
        }),
        "p99 < 50 ms",
      ]);

    // Values: secrets made through the API, read right after (the writer keeps its values), then after a restart.
    const readable: Array<{ name: string; versionId: string }> = [];
    for (let i = 0; i < READABLE; i++) {
      const name = `bench/readable/${i}`;
      const made = await ok(service.client, "CreateSecret", {
        Name: name,
        SecretString: randomBytes(48).toString("base64"),
        ClientRequestToken: randomUUID(),
      });
      readable.push({ name, versionId: made["VersionId"] as string });
    }
    const get = (i: number) => ok(service.client, "GetSecretValue", { SecretId: readable[i % READABLE]?.name });
    rows.push(["GetSecretValue, cached", await timed(READABLE, (i) => get(i).then(() => undefined)), ""]);
    await stopChild(service.child);
    service = await startService(nats.url, dataDir);
    services.push(service.child);
    rows.push([
      "GetSecretValue, not cached (first read after a restart)",
      await timed(READABLE, (i) => get(i).then(() => undefined)),
      "",
    ]);

    // Forensics: one secret's state at a point of the log, through the command line.
    const point = Math.floor(lastSeq / 2);
    const cli = join(import.meta.dirname, "..", "bundle", "cli.js");
    const folding = performance.now();
    await promisify(execFile)(
      process.execPath,
      [
        cli,
        "state",
        "--at",
        String(point),
        "--secret",
        `bench/team-${secretAt(point) % 100}/secret-${secretAt(point)}`,
        "--json",
      ],
      {
        env: { ...process.env, NATS_URL: nats.url, SECRET_LEDGER_DATA: dataDir, SECRET_LEDGER_REGION: region },
        maxBuffer: 1 << 26,
      },
    );
    rows.push([
      "`state --at <seq> --secret <name>`",
      `${since(folding).toFixed(2)} s (the command line's own start included)`,
      `< 1 s${events >= 10_000_000 ? "" : " (in a 10,000,000-event log)"}`,
    ]);

    // The compactor over every secret (none has more versions than it keeps), in an instance of the command
    // line's own, started from the checkpoint beside the running service.
    const compacting = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath, [cli, "compact", "--dry-run"], {
      env: { ...process.env, NATS_URL: nats.url, SECRET_LEDGER_DATA: dataDir, SECRET_LEDGER_REGION: region },
      maxBuffer: 1 << 26,
    });
    rows.push([
      "`secret-ledger compact --dry-run`",
      `${since(compacting).toFixed(1)} s (the command line's own start included): ${stdout.trim()}`,
      "",
    ]);
  } finally {
    for (const child of services) await stopChild(child);
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  let report = `\n${machine()}\n\n| measure | result | goal |\n| --- | --- | --- |\n`;
  for (const [what, result, goal] of rows) report += `| ${what} | ${result} | ${goal} |\n`;
  process.stdout.write(report);
  const folder = join(projectRoot(), "results");
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `scale-${new Date().toISOString().replace(/[:.]/g, "-")}.md`);
  writeFileSync(
    file,
    `# npm run bench:scale -- --secrets ${SECRETS} --versions ${VERSIONS} --records-per ${RECORDS_PER}\n${report}`,
  );
  process.stdout.write(`\nsaved in ${file}\n`);
};

await main();
