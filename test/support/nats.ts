import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
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

/** A port free now on loopback (for a cluster's routes, which must be known before the nodes start). */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/**
 * A 3-node JetStream cluster from the project's nats-cluster.conf, on loopback, free ports and temp dirs, ready
 * once every node has seen the cluster's JetStream metadata leader elected. Its NATS_URL lists the three nodes. A
 * cluster that elects none in time is stopped (else its nodes keep the test run from ending) and formed anew, once.
 */
export const startCluster = async (): Promise<{ readonly url: string; readonly nodes: RunningNatsServer[] }> => {
  for (let attempt = 1; ; attempt++) {
    const nodes = await startClusterNodes();
    try {
      for (const node of nodes) await whenMetaLeaderKnown(node.url);
      return { url: nodes.map((n) => n.url).join(","), nodes };
    } catch (e) {
      for (const node of nodes) await node.stop();
      if (attempt >= CLUSTER_FORMED_IN_TRIES) throw e;
      console.warn(`a cluster formed no JetStream metadata leader (${String(e)}); forming another`);
    }
  }
};

/**
 * How many times a cluster is formed before its test fails. Three nodes started together have once elected no
 * metadata leader in 60 s (nats-server 2.10.27, 2026-12-08, the run's other suites done: every route up, node 1
 * logging "JetStream cluster no metadata leader" every 25 s).
 */
const CLUSTER_FORMED_IN_TRIES = 2;

const startClusterNodes = async (): Promise<RunningNatsServer[]> => {
  const routePorts = [await freePort(), await freePort(), await freePort()];
  const routes = routePorts.map((port) => `nats-route://127.0.0.1:${port}`);
  const name = `c${process.pid}-${randomUUID().slice(0, 8)}`;
  return Promise.all(
    routePorts.map(async (port, i) => {
      const dir = tempDir(`cluster-n${i + 1}`);
      const node = await startNatsServer({
        storeDir: join(dir, "store"),
        logFile: join(dir, "nats-server.log"),
        cluster: { name, node: `${name}-n${i + 1}`, port, routes },
      });
      cleanups.unshift(() => node.process.kill("SIGKILL"));
      return node;
    }),
  );
};

/** How long a forming cluster may take to elect its JetStream metadata leader. */
const CLUSTER_FORMS_WITHIN_MS = 30_000;

/**
 * Resolves once the node at `url` answers JetStream's account info, which it does only once it knows the
 * cluster's metadata leader. (Its log is no guide: a node that joins after the election learns the leader
 * without logging "new metadata leader", and waiting for that line hung a run.)
 */
const whenMetaLeaderKnown = async (url: string): Promise<void> => {
  const nc = await connect({ servers: url });
  try {
    const deadline = Date.now() + CLUSTER_FORMS_WITHIN_MS;
    for (;;) {
      try {
        await (await jetstreamManager(nc, { timeout: 1000 })).getAccountInfo();
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`the cluster node at ${url} knows no metadata leader`, { cause: e });
      }
    }
  } finally {
    await nc.close();
  }
};

/**
 * A TCP proxy on loopback that delivers every byte `ms` late, both ways, in order: a client behind it sees the
 * server as if it were far away (a service instance whose projection lags the log).
 */
export const slowLink = async (to: string, ms: number): Promise<{ readonly url: string; close(): Promise<void> }> => {
  const target = new URL(to);
  const sockets = new Set<Socket>();
  const later = (from: Socket, into: Socket): void => {
    from.on("data", (chunk) => void setTimeout(() => into.writable && into.write(chunk), ms));
    from.on("close", () => void setTimeout(() => into.destroy(), ms));
  };
  const server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => s.destroy());
    }
    later(client, upstream);
    later(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `nats://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
};
