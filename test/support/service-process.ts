import type { ChildProcess } from "node:child_process";
import { spawnService, waitForLine } from "../../bench/processes.js";
import { TEST_CREDENTIALS } from "./app.js";
import { freshRegion, sharedNatsUrl, tempDir } from "./nats.js";

export type ServiceProcess = {
  readonly process: ChildProcess;
  readonly endpoint: string;
  readonly region: string;
  readonly dataDir: string;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
  /** What it has printed so far. */
  readonly output: () => string;
};

/**
 * The service as `npm start` runs it (its node options; its entry point, the bundle of dist/src/main.js), in a
 * process of its own, on the run's shared nats-server with a region and data dir of its own: for what only a
 * separate process shows (a crash, its memory, its exit code). The test stops it; `env` may point it at another
 * nats-server (NATS_URL).
 */
export const startServiceProcess = async (
  env: NodeJS.ProcessEnv = {},
  /** To start one again on the same data and log; `script`: another entry point (and its arguments) than npm start's. */
  where: {
    readonly dataDir?: string;
    readonly region?: string;
    readonly script?: ReadonlyArray<string>;
  } = {},
): Promise<ServiceProcess> => {
  const dataDir = where.dataDir ?? tempDir("service");
  const region = where.region ?? freshRegion();
  // If the test run ends first (a failed test), the service goes with it (spawnService's guard).
  const child = spawnService(
    {
      NATS_URL: sharedNatsUrl(),
      SECRET_LEDGER_DATA: dataDir,
      SECRET_LEDGER_LISTEN: "127.0.0.1:0",
      SECRET_LEDGER_REGION: region,
      SECRET_LEDGER_ACCOUNT: "123456789012",
      SECRET_LEDGER_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      SECRET_LEDGER_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      ...env,
    },
    "pipe",
    where.script,
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const endpoint = (await waitForLine(child, /Endpoint:\s+(\S+)/))[1] as string;
  return { process: child, endpoint, region, dataDir, exited, output: () => output };
};

/**
 * Asks `endpoint`'s /readyz until it answers `status` (an unreachable service is asked again), and returns its
 * JSON. Each answer takes a request: a bounded poll, which the caller bounds with `within`, or with `deadline`
 * (epoch milliseconds), past which it rejects.
 */
export const readyzUntil = async (
  endpoint: string,
  status: number,
  deadline = Number.POSITIVE_INFINITY,
): Promise<Record<string, unknown>> => {
  while (Date.now() < deadline) {
    const r = await fetch(`${endpoint}/readyz`).catch(() => undefined);
    if (r?.status === status) return (await r.json()) as Record<string, unknown>;
    await r?.body?.cancel();
  }
  throw new Error(`${endpoint}/readyz did not answer ${status} in time`);
};
