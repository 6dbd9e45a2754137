// The benchmark's load generator, in a process of its own so that the orchestrator's own work (raw JetStream
// publishes, reading /proc) is not in its way. Its requests are signed before the timed loop (a GET's body is
// the same every time, so one signature a worker; each PUT has its own token, so a batch is signed up front),
// and written as ready bytes on one kept-alive connection per worker, the answer read by its Content-Length
// (node's HTTP client cost a core at 13k requests a second): what it measures is the server, not the client.
// Input: one JSON argument (a LoadScenario); output: one JSON line (a LoadResult).
import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { signRequest, type Credentials } from "../src/access/sigv4.js";
import { percentile } from "./measures.js";

export type LoadScenario = {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: Credentials;
  /**
   * get: GetSecretValue of bench/<worker>. put: each worker writes secrets of its own, a new one (CreateSecret) every
   * VERSIONS_PER_SECRET writes, so that none goes past AWS's version quota. put-hot: every worker writes the same
   * secret, bench/hot/<k>, moving to the next (made beforehand) every VERSIONS_PER_SECRET writes of all workers
   * (these are signed as they are sent: which secret is known only then).
   */
  readonly kind: "get" | "put" | "put-hot";
  readonly value?: string;
  readonly inFlight: number;
  readonly seconds: number;
  readonly warmupMs: number;
};

export type LoadResult = {
  readonly count: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** This process's CPU over the whole run, in % of one core. */
  readonly clientCpu: number;
  /** From the first request sent to the last answer, in ms (the window the server's CPU is read over). */
  readonly elapsedMs: number;
  readonly failures: number;
};

/** A request as the bytes that go on the wire. */
type Prepared = Buffer;

/** The most PutSecretValue a second one worker is signed for up front; past that, it signs as it goes. */
const PUTS_PER_SECOND = 6000;

/** How many versions a secret of the write scenarios gets: under AWS's version quota (and the service's, 150). */
export const VERSIONS_PER_SECRET = 100;

/** One kept-alive connection: a request's bytes out, its answer's status back once its body has come. */
type Connection = { send(request: Buffer): Promise<number>; close(): void };

const open = (url: URL): Promise<Connection> =>
  new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true }, () => {
      let pending: ((status: number) => void) | undefined;
      let buffered: Buffer = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        const headEnd = buffered.indexOf("\r\n\r\n");
        if (headEnd < 0) return;
        const head = buffered.subarray(0, headEnd).toString("latin1");
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < headEnd + 4 + length) return;
        buffered = buffered.subarray(headEnd + 4 + length);
        const done = pending;
        pending = undefined;
        done?.(Number(head.slice(9, 12)));
      });
      resolve({
        send: (request) =>
          new Promise((answered) => {
            pending = answered;
            socket.write(request);
          }),
        close: () => socket.destroy(),
      });
    });
    socket.once("error", reject);
  });

const run = async (s: LoadScenario): Promise<LoadResult> => {
  const url = new URL(s.endpoint);
  const prepare = ({ target, input }: { readonly target: string; readonly input: object }): Prepared => {
    const body = Buffer.from(JSON.stringify(input), "utf8");
    const headers = { host: url.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": target };
    const signed = signRequest(
      { method: "POST", url: "/", headers, body },
      s.credentials,
      {
        region: s.region,
        service: "secretsmanager",
      },
      Date.now(),
    );
    const head = Object.entries({ ...headers, ...signed, "content-length": body.length })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    return Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\n${head}\r\n`, "latin1"), body]);
  };
  /** This scenario's own secret names: the service holds those of earlier scenarios too. */
  const scenario = randomUUID().slice(0, 8);
  /** How many writes the one-secret scenario has sent, all workers together. */
  let hotWrites = 0;
  /** Worker `worker`'s `n`th request. */
  const requestOf = (worker: number, n: number): { readonly target: string; readonly input: object } => {
    if (s.kind === "get") return { target: "secretsmanager.GetSecretValue", input: { SecretId: `bench/${worker}` } };
    const token = randomUUID();
    if (s.kind === "put-hot") {
      const secret = `bench/hot/${Math.floor(hotWrites++ / VERSIONS_PER_SECRET)}`;
      const input = { SecretId: secret, SecretString: s.value, ClientRequestToken: token };
      return { target: "secretsmanager.PutSecretValue", input };
    }
    const secret = `bench/${scenario}/${worker}/${Math.floor(n / VERSIONS_PER_SECRET)}`;
    return n % VERSIONS_PER_SECRET === 0
      ? {
          target: "secretsmanager.CreateSecret",
          input: { Name: secret, SecretString: s.value, ClientRequestToken: token },
        }
      : {
          target: "secretsmanager.PutSecretValue",
          input: { SecretId: secret, SecretString: s.value, ClientRequestToken: token },
        };
  };
  const perWorker = Math.ceil((PUTS_PER_SECOND * (s.seconds + s.warmupMs / 1000)) / s.inFlight);
  const batches: Prepared[][] = Array.from({ length: s.inFlight }, (_, worker) =>
    s.kind === "get"
      ? [prepare(requestOf(worker, 0))]
      : s.kind === "put-hot"
        ? []
        : Array.from({ length: perWorker }, (_, n) => prepare(requestOf(worker, n))),
  );
  const sockets = await Promise.all(batches.map(() => open(url)));
  const send = (worker: number, p: Prepared): Promise<number> => (sockets[worker] as Connection).send(p);

  const latencies: number[] = [];
  let failures = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const warmEnd = started + s.warmupMs;
  const end = warmEnd + s.seconds * 1000;
  await Promise.all(
    batches.map(async (batch, worker) => {
      for (let n = 0; performance.now() < end; n++) {
        const p = s.kind === "get" ? (batch[0] as Prepared) : (batch[n] ?? prepare(requestOf(worker, n)));
        const t0 = performance.now();
        const status = await send(worker, p);
        const t1 = performance.now();
        if (status !== 200) failures++;
        // The CreateSecret that starts each secret of the put scenario (two writes: its key, its record) counts
        // as a request, not in the PutSecretValue latencies.
        const creates = s.kind === "put" && n % VERSIONS_PER_SECRET === 0;
        if (t0 >= warmEnd && t1 <= end && !creates) latencies.push(t1 - t0);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  for (const socket of sockets) socket.close();
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    perSecond: latencies.length / s.seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    clientCpu: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    elapsedMs,
    failures,
  };
};

process.stdout.write(JSON.stringify(await run(JSON.parse(process.argv[2] ?? "{}") as LoadScenario)) + "\n");
