// npm run bench: PutSecretValue and GetSecretValue through the whole service, next to two references measured
// in the same run on the same machine: raw JetStream publishes (the log's ceiling) and a bare node:http server
// that checks SigV4 and answers `{}` (the signed HTTP ceiling). Each runs at 1 and at 64 requests in flight. The
// HTTP load comes from a process of its own (bench/load.ts) with requests signed before the timed loop, so the
// client is not the bound. Ratios, not absolute times, are what compare across machines. Options: --seconds N (per scenario, default 4), --reps N (default 1),
// --profile DIR (the audited service writes a `node --cpu-prof` profile there when it stops).
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { AwsJsonClient } from "../src/client/aws-json-client.js";
import { projectRoot, startNatsServer } from "../src/store/nats-server.js";
import type { LoadResult, LoadScenario } from "./load.js";
import { machine, percentile } from "./measures.js";
import { cpuMs, START_ENTRY, START_FLAGS, stopChild, waitForLine } from "./processes.js";

const { values: args } = parseArgs({
  options: { seconds: { type: "string" }, reps: { type: "string" }, profile: { type: "string" } },
});
const SECONDS = Number(args.seconds ?? 4);
const REPS = Number(args.reps ?? 1);
const WARMUP_MS = 500;
const credentials = { accessKeyId: "AKIDBENCHMARK0000000", secretAccessKey: randomBytes(30).toString("base64") };
const region = "us-east-1";
const UNAUDITED_REGION = "us-west-2";
/** The region on a nats-server with nats-server's own default fsync policy, to measure what "always" costs. */
const LAZY_REGION = "eu-west-1";
const LAZY_SYNC = "2m";
const RAW = "raw JetStream publish (expected subject seq)";
const PUT = "PutSecretValue (secrets of each worker's own; 1 write in 100 a CreateSecret)";
const RAW_LAZY = `raw JetStream publish, sync_interval ${LAZY_SYNC}`;
const PUT_LAZY = `PutSecretValue, sync_interval ${LAZY_SYNC}`;
const BARE = "bare HTTP server, SigV4 checked";

/** Enough secrets for the one-secret scenario's writes (each takes VERSIONS_PER_SECRET) at 6,000 a second. */
const HOT_SECRETS = Math.ceil((6000 * (SECONDS + 1)) / 100);

type Result = {
  name: string;
  inFlight: number;
  count: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** The CPU the load generator itself (this process: signing, HTTP client) used, in % of one core. */
  clientCpu: number;
  /** The CPU of the process answering (the service, or the bare HTTP server), in % of one core. */
  serverCpu: number;
  /** The nats-server's CPU, in % of one core. */
  natsCpu: number;
};

/** The processes whose CPU every scenario reports. */
type Watched = { server: number | undefined; nats: number | undefined };

/** Runs `op` from `inFlight` concurrent loops for SECONDS after a warm-up; worker i gets its own index. */
const measure = async (
  name: string,
  inFlight: number,
  watched: Watched,
  op: (worker: number, n: number) => Promise<void>,
): Promise<Result> => {
  const latencies: number[] = [];
  const warmEnd = performance.now() + WARMUP_MS;
  const end = warmEnd + SECONDS * 1000;
  let counted = 0;
  const cpuBefore = process.cpuUsage();
  const serverBefore = cpuMs(watched.server) ?? NaN;
  const natsBefore = cpuMs(watched.nats) ?? NaN;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, worker) => {
      for (let n = 0; performance.now() < end; n++) {
        const t0 = performance.now();
        await op(worker, n);
        const t1 = performance.now();
        if (t0 >= warmEnd && t1 <= end) {
          latencies.push(t1 - t0);
          counted++;
        }
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = performance.now() - started;
  const share = (ms: number): number => (ms / elapsed) * 100;
  const serverCpu = share((cpuMs(watched.server) ?? NaN) - serverBefore);
  const natsCpu = share((cpuMs(watched.nats) ?? NaN) - natsBefore);
  const clientCpu = share((cpu.user + cpu.system) / 1000);
  latencies.sort((a, b) => a - b);
  return {
    name,
    inFlight,
    count: counted,
    perSecond: counted / SECONDS,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    clientCpu,
    serverCpu,
    natsCpu,
  };
};

const runChild = promisify(execFile);

/** Runs one HTTP scenario from the load generator's own process; the watched processes' CPU over its window. */
const load = async (
  name: string,
  inFlight: number,
  watched: Watched,
  scenario: Omit<LoadScenario, "inFlight" | "seconds" | "warmupMs">,
): Promise<Result> => {
  const serverBefore = cpuMs(watched.server) ?? NaN;
  const natsBefore = cpuMs(watched.nats) ?? NaN;
  const full: LoadScenario = { ...scenario, inFlight, seconds: SECONDS, warmupMs: WARMUP_MS };
  const { stdout } = await runChild(process.execPath, [join(import.meta.dirname, "load.js"), JSON.stringify(full)], {
    maxBuffer: 1 << 20,
  });
  const r = JSON.parse(stdout) as LoadResult;
  if (r.failures > 0) throw new Error(`${name}: ${r.failures} request(s) failed`);
  const share = (ms: number): number => (ms / r.elapsedMs) * 100;
  return {
    name,
    inFlight,
    count: r.count,
    perSecond: r.perSecond,
    p50: r.p50,
    p99: r.p99,
    clientCpu: r.clientCpu,
    serverCpu: share((cpuMs(watched.server) ?? NaN) - serverBefore),
    natsCpu: share((cpuMs(watched.nats) ?? NaN) - natsBefore),
  };
};

const ok = (r: { status: number; body: string }): void => {
  if (r.status !== 200) throw new Error(`request failed: ${r.status} ${r.body.slice(0, 200)}`);
};

const main = async (): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), "secret-ledger-bench-"));
  const nats = await startNatsServer({ storeDir: join(dir, "nats"), logFile: join(dir, "nats-server.log") });
  const lazyNats = await startNatsServer({
    storeDir: join(dir, "nats-lazy"),
    logFile: join(dir, "nats-server-lazy.log"),
    syncInterval: LAZY_SYNC,
  });
  const results: Result[] = [];
  const children: ChildProcess[] = [];
  try {
    // The service, in a process of its own, on the same nats-server; and beside it, on a region of its own,
    // the same service with the audit trail off: what auditing costs is measured in the same run.
    const serviceAt = async (
      script: string,
      serviceRegion: string,
      nodeOptions: ReadonlyArray<string> = [],
      natsUrl = nats.url,
    ): Promise<{ endpoint: string; pid: number | undefined }> => {
      const service = spawn(process.execPath, [...nodeOptions, script], {
        env: {
          ...process.env,
          NATS_URL: natsUrl,
          SECRET_LEDGER_DATA: join(dir, `data-${serviceRegion}`),
          SECRET_LEDGER_LISTEN: "127.0.0.1:0",
          SECRET_LEDGER_REGION: serviceRegion,
          SECRET_LEDGER_ACCESS_KEY_ID: credentials.accessKeyId,
          SECRET_LEDGER_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        },
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.push(service);
      return { endpoint: (await waitForLine(service, /Endpoint:\s+(\S+)/))[1] as string, pid: service.pid };
    };
    const profile = args.profile === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${resolve(args.profile)}`];
    const audited = await serviceAt(START_ENTRY, region, [...START_FLAGS, ...profile]);
    const unauditedService = await serviceAt(join(import.meta.dirname, "service.js"), UNAUDITED_REGION, START_FLAGS);
    const lazyService = await serviceAt(START_ENTRY, LAZY_REGION, START_FLAGS, lazyNats.url);

    // The bare signed reference: node:http checking SigV4 and answering {}, in a process of its own.
    const bare = spawn(
      process.execPath,
      [join(import.meta.dirname, "bare-server.js"), JSON.stringify({ credentials, region })],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    children.push(bare);
    const barePort = (await waitForLine(bare, /port (\d+)/))[1] as string;

    const client = new AwsJsonClient(audited.endpoint, credentials, region);
    const unaudited = new AwsJsonClient(unauditedService.endpoint, credentials, UNAUDITED_REGION);
    const lazyClient = new AwsJsonClient(lazyService.endpoint, credentials, LAZY_REGION);
    const natsPid = nats.process.pid;
    const service: Watched = { server: audited.pid, nats: natsPid };
    const lazy: Watched = { server: lazyService.pid, nats: lazyNats.process.pid };
    const bareEndpoint = `http://127.0.0.1:${barePort}`;
    const secretValue = JSON.stringify({ username: "bench", password: randomBytes(24).toString("base64") });
    const rawPayload = randomBytes(450).toString("base64").slice(0, 600); // about the size of a PutSecretValue record
    /** Acknowledged publishes to a stream of `url`'s server, each worker on its subject, as the log is written. */
    const rawPublisher = async (url: string) => {
      const nc = await connect({ servers: url });
      const js = jetstream(nc);
      await (await jetstreamManager(nc)).streams.add({ name: "BENCH_RAW", subjects: ["bench.raw.*"] });
      const last = new Map<string, number>();
      return {
        publish: async (worker: number): Promise<void> => {
          const subject = `bench.raw.w${worker}`;
          const ack = await js.publish(subject, rawPayload, {
            expect: { lastSubjectSequence: last.get(subject) ?? 0 },
          });
          last.set(subject, ack.seq);
        },
        close: () => nc.drain(),
      };
    };
    const raw = await rawPublisher(nats.url);
    const lazyRaw = await rawPublisher(lazyNats.url);
    const at = (endpoint: string, serviceRegion: string, kind: LoadScenario["kind"]) => ({
      endpoint,
      region: serviceRegion,
      credentials,
      kind,
      value: secretValue,
    });

    // The secrets every worker of the one-secret scenario writes in turn (see bench/load.ts).
    for (let k = 0; k < HOT_SECRETS; k++)
      ok(
        await client.send("secretsmanager.CreateSecret", {
          Name: `bench/hot/${k}`,
          SecretString: secretValue,
          ClientRequestToken: randomUUID(),
        }),
      );
    for (const c of [client, unaudited, lazyClient])
      for (let i = 0; i < 64; i++)
        ok(
          await c.send("secretsmanager.CreateSecret", {
            Name: `bench/${i}`,
            SecretString: secretValue,
            ClientRequestToken: randomUUID(),
          }),
        );

    for (let rep = 0; rep < REPS; rep++)
      for (const inFlight of [1, 64]) {
        results.push(
          await measure(RAW, inFlight, { server: undefined, nats: natsPid }, raw.publish),
          await load(PUT, inFlight, service, at(audited.endpoint, region, "put")),
          await measure(RAW_LAZY, inFlight, { server: undefined, nats: lazy.nats }, lazyRaw.publish),
          await load(PUT_LAZY, inFlight, lazy, at(lazyService.endpoint, LAZY_REGION, "put")),
          await load(BARE, inFlight, { server: bare.pid, nats: undefined }, at(bareEndpoint, region, "get")),
          await load("GetSecretValue", inFlight, service, at(audited.endpoint, region, "get")),
          await load(
            "GetSecretValue, audit off",
            inFlight,
            { server: unauditedService.pid, nats: natsPid },
            at(unauditedService.endpoint, UNAUDITED_REGION, "get"),
          ),
        );
      }
    results.push(
      await load("PutSecretValue, all workers on one secret", 64, service, at(audited.endpoint, region, "put-hot")),
    );
    for (const c of [client, unaudited, lazyClient]) c.close();
    await raw.close();
    await lazyRaw.close();
  } finally {
    for (const child of children) await stopChild(child);
    await nats.stop();
    await lazyNats.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : "-");
  // What is printed is also kept, with the machine's details, under results/.
  let report = "";
  const print = (text: string): void => {
    report += text;
    process.stdout.write(text);
  };
  print(`\n${machine()}, ${SECONDS} s per scenario, ${REPS} rep(s)\n\n`);
  print(
    `| scenario | in flight | req/s | p50 ms | p99 ms | client CPU | server CPU | nats-server CPU |\n` +
      `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n`,
  );
  for (const r of results)
    print(
      `| ${r.name} | ${r.inFlight} | ${fmt(r.perSecond)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.clientCpu)}% | ${fmt(r.serverCpu)}% | ${fmt(r.natsCpu)}% |\n`,
    );
  const best = (name: string, inFlight: number): number =>
    Math.max(...results.filter((r) => r.name === name && r.inFlight === inFlight).map((r) => r.perSecond));
  print("\nratios (best rep):\n");
  for (const inFlight of [1, 64]) {
    print(
      `  ${inFlight} in flight: PutSecretValue / raw JetStream publish = ${fmt(best(PUT, inFlight) / best(RAW, inFlight), 2)}; ` +
        `GetSecretValue / bare HTTP = ${fmt(best("GetSecretValue", inFlight) / best(BARE, inFlight), 2)}; ` +
        `GetSecretValue audited / audit off = ${fmt(best("GetSecretValue", inFlight) / best("GetSecretValue, audit off", inFlight), 2)}\n`,
    );
    print(
      `  ${inFlight} in flight: what sync_interval always keeps of ${LAZY_SYNC}'s rate: raw publish ${fmt(best(RAW, inFlight) / best(RAW_LAZY, inFlight), 2)}, ` +
        `PutSecretValue ${fmt(best(PUT, inFlight) / best(PUT_LAZY, inFlight), 2)}\n`,
    );
  }
  const folder = join(projectRoot(), "results");
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.md`);
  writeFileSync(file, `# npm run bench, ${new Date().toISOString()}\n${report}`);
  process.stdout.write(`\nsaved in ${file}\n`);
};

await main();
