import { connect, type NatsConnection } from "@nats-io/transport-node";
import { join } from "node:path";
import { lockDataDir } from "../bootstrap.js";
import type { Config } from "../config.js";
import { startNatsServer, type RunningNatsServer } from "./nats-server.js";

// The connection to the log's nats-server: NATS_URL's, or the data directory's own, started from nats.conf.

/** Without NATS_URL, the nats-server of the data directory, started from nats.conf; none otherwise. */
export const ownNatsServer = (config: Config): Promise<RunningNatsServer | undefined> =>
  config.natsUrl === undefined
    ? startNatsServer({
        storeDir: join(config.dataDir, "nats"),
        logFile: join(config.dataDir, "nats-server.log"),
        region: config.region,
        syncInterval: config.natsSyncInterval,
        ...(config.leafnodePort === undefined ? {} : { leafnodePort: config.leafnodePort }),
        leafnodeRemotes: config.leafnodeRemotes,
      })
    : Promise.resolve(undefined);

/** NATS_URL, else the URL of the data directory's own nats-server (started when NATS_URL is unset). */
export const natsUrlOf = (config: Config, own: RunningNatsServer | undefined): string => {
  const url = config.natsUrl ?? own?.url;
  if (url === undefined) throw new Error("no nats-server: NATS_URL is unset and none was started");
  return url;
};

/** NATS_URL may name several servers of one cluster, separated by commas. */
export const natsServers = (natsUrl: string): string[] => natsUrl.split(",").map((url) => url.trim());

/** The service's connection: it reconnects for ever (writes are refused meanwhile; see NatsLink). */
export const connectService = (natsUrl: string): Promise<NatsConnection> =>
  connect({
    servers: natsServers(natsUrl),
    name: "secret-ledger",
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // Each request would otherwise make an Error up front, for a stack trace should it fail: measurable CPU on
    // every publish and direct get (the profiles of PutSecretValue showed it).
    noAsyncTraces: true,
  });

/**
 * Runs `work` with a connection to the log's nats-server: NATS_URL's, or the data directory's own, started
 * for the while (which needs the service on that directory to be stopped).
 */
export const withNats = async <T>(config: Config, work: (nc: NatsConnection) => Promise<T>): Promise<T> => {
  const unlock = config.natsUrl === undefined ? lockDataDir(config.dataDir) : () => undefined;
  let nats: RunningNatsServer | undefined;
  try {
    nats = await ownNatsServer(config);
    const nc = await connect({
      servers: natsServers(natsUrlOf(config, nats)),
      name: "secret-ledger-cli",
    });
    try {
      return await work(nc);
    } finally {
      await nc.drain();
    }
  } finally {
    await nats?.stop();
    unlock();
  }
};
