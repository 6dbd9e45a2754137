import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNatsServer, type RunningNatsServer } from "../../src/store/nats-server.js";

// One real nats-server for the whole test run, from the project's nats.conf, on a free port and a temp dir,
// started and stopped by test/run.ts, which passes its URL in SECRET_LEDGER_TEST_NATS_URL. Tests that restart
// a server, or run the service's own, start and stop theirs.

const cleanups: Array<() => void> = [];

process.on("exit", () => {
  for (const cleanup of cleanups) cleanup();
});

export const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `secret-ledger-${prefix}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

export const startOwnNatsServer = async (
  dir = tempDir("nats"),
  port?: number,
  /** A region's server: its JetStream domain, its leafnode port, the servers (leafnode URLs) it joins. */
  region?: { readonly name: string; readonly leafnodePort?: number; readonly remotes?: ReadonlyArray<string> },
): Promise<RunningNatsServer> => {
  const server = await startNatsServer({
    storeDir: join(dir, "store"),
    logFile: join(dir, "nats-server.log"),
    ...(port === undefined ? {} : { port }),
    ...(region === undefined
      ? {}
      : {
          region: region.name,
          ...(region.leafnodePort === undefined ? {} : { leafnodePort: region.leafnodePort }),
          leafnodeRemotes: region.remotes ?? [],
        }),
  });
  cleanups.unshift(() => server.process.kill("SIGKILL"));
  return server;
};

export const SHARED_NATS_ENV = "SECRET_LEDGER_TEST_NATS_URL";

export const sharedNatsUrl = (): string => {
  const url = process.env[SHARED_NATS_ENV];
  if (url === undefined) throw new Error(`${SHARED_NATS_ENV} is unset: run the tests with npm test`);
  return url;
};

let regions = 0;
/** A region of its own for each test, so each gets its own stream and key bucket on the shared server. */
export const freshRegion = (): string => {
  regions += 1;
  const letters = [...(String(process.pid) + String(regions))].map((d) => String.fromCharCode(97 + Number(d))).join("");
  return `test-${letters}-1`;
};

/** Waits for `promise`, failing after `ms` rather than hanging the run (a bound, not a sleep). */
export const within = async <T>(ms: number, what: string, promise: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
};
