import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project's top folder: where nats.conf and .nats-server/ live (found from here, in src/ or dist/src/). */
export const projectRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "nats.conf"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("nats.conf not found above " + dirname(fileURLToPath(import.meta.url)));
    dir = parent;
  }
  return dir;
};

/** The nats-server binary that scripts/ensure-nats-server.sh chose (or SECRET_LEDGER_NATS_SERVER). */
export const natsServerBinary = (): string => {
  const fromEnv = process.env["SECRET_LEDGER_NATS_SERVER"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const local = join(projectRoot(), ".nats-server", "nats-server");
  if (!existsSync(local))
    throw new Error("no nats-server >= 2.10 found: run `npm run nats-server` (npm start and npm test do)");
  return local;
};

export type RunningNatsServer = {
  readonly url: string;
  readonly port: number;
  /** Where other regions' servers connect as leafnodes: `nats-leaf://127.0.0.1:<port>`. */
  readonly leafnodeUrl: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
};

/**
 * Starts nats-server from the project's nats.conf: loopback only, JetStream files under `storeDir`, on `port`
 * (-1: any free port, read back from the server's log). Its log goes to `logFile`. With `region`, the server is
 * that region's: its JetStream domain is the region name; it accepts other regions' leafnodes on
 * `leafnodePort` (any free one by default) and connects to `leafnodeRemotes`, the servers of the regions it
 * follows.
 */
export const startNatsServer = async (opts: {
  readonly storeDir: string;
  readonly logFile: string;
  readonly port?: number;
  readonly region?: string;
  readonly leafnodePort?: number;
  readonly leafnodeRemotes?: ReadonlyArray<string>;
  /** JetStream's fsync policy: "always" (the default: acknowledged means on disk) or a duration such as "2m". */
  readonly syncInterval?: string;
  /**
   * A node of a JetStream cluster, from nats-cluster.conf instead: the cluster's name, this node's name and route
   * port, and every node's route URL.
   */
  readonly cluster?: {
    readonly name: string;
    readonly node: string;
    readonly port: number;
    readonly routes: ReadonlyArray<string>;
  };
}): Promise<RunningNatsServer> => {
  mkdirSync(opts.storeDir, { recursive: true });
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const conf = opts.cluster === undefined ? "nats.conf" : "nats-cluster.conf";
  const child = spawn(natsServerBinary(), ["-c", join(projectRoot(), conf)], {
    env: {
      ...process.env,
      SECRET_LEDGER_NATS_PORT: String(opts.port ?? -1),
      SECRET_LEDGER_NATS_SYNC_INTERVAL: JSON.stringify(opts.syncInterval ?? "always"),
      SECRET_LEDGER_NATS_STORE: opts.storeDir,
      SECRET_LEDGER_NATS_NAME: opts.cluster?.node ?? `secret_ledger_${opts.region ?? "local"}`,
      SECRET_LEDGER_NATS_DOMAIN: JSON.stringify(opts.region ?? ""),
      SECRET_LEDGER_NATS_LEAFNODE_PORT: String(opts.leafnodePort ?? -1),
      SECRET_LEDGER_NATS_LEAFNODE_REMOTES: JSON.stringify((opts.leafnodeRemotes ?? []).map((url) => ({ url }))),
      SECRET_LEDGER_NATS_CLUSTER: opts.cluster?.name ?? "",
      SECRET_LEDGER_NATS_CLUSTER_PORT: String(opts.cluster?.port ?? -1),
      SECRET_LEDGER_NATS_ROUTES: JSON.stringify(opts.cluster?.routes ?? []),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const log = createWriteStream(opts.logFile, { flags: "a" });
  const stderr = child.stderr as NodeJS.ReadableStream;
  stderr.pipe(log);
  const [port, leafnodePort] = await new Promise<[number, number]>((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString("utf8")).slice(-8192);
      const listening = /Listening for client connections on [^\s]*:(\d+)/.exec(seen);
      const leafnodes = /Listening for leafnode connections on [^\s]*:(\d+)/.exec(seen);
      if (listening !== null && seen.includes("Server is ready")) {
        stderr.off("data", onData);
        resolve([Number(listening[1]), Number(leafnodes?.[1] ?? 0)]);
      }
    };
    stderr.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`nats-server exited with code ${String(code)} before it was ready; see ${opts.logFile}`)),
    );
    child.once("error", reject);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // If this process ends without stopping it, the server goes too rather than holding the store.
  const orphanGuard = (): void => void child.kill("SIGTERM");
  process.once("exit", orphanGuard);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    leafnodeUrl: `nats-leaf://127.0.0.1:${leafnodePort}`,
    process: child,
    stop: async () => {
      process.off("exit", orphanGuard);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      log.end();
    },
  };
};
