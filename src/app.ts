import * as E from "fp-ts/lib/Either.js";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { randomInt } from "node:crypto";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SecretCatalog } from "../projections/secret-catalog.js";
import { Authorizer } from "./access/authorizer.js";
import { readPrincipalsFile, type Identity, type PrincipalRegistry } from "./access/principals.js";
import { Auditor } from "./audit/auditor.js";
import { ledgerOperationsOf } from "./api/ledger-operations.js";
import { operationsOf, type Operation } from "./api/operations.js";
import { RateLimits } from "./api/rate-limits.js";
import { createApiServer, type ProbeAnswer, type RequestLog } from "./api/server.js";
import { operationNames } from "./api/model.js";
import { AuditSpool } from "./audit/spool.js";
import { Metrics } from "./metrics.js";
import { NatsLink } from "./store/nats-link.js";
import { KeyShredder } from "./application/key-shredder.js";
import { SecretsService, type Clock, type CompactionReport } from "./application/secrets-service.js";
import { ensureDataDir, legacyMasterKey, loadOrCreateCredentials, lockDataDir } from "./bootstrap.js";
import { Keyring, loadOrCreateKeyring, materialFingerprint, readKeyringFile } from "./crypto/keyring.js";
import type { Config } from "./config.js";
import { AuditStream } from "./store/audit-stream.js";
import { checkpointPath, readCheckpoint, writeCheckpoint } from "./store/checkpoint-file.js";
import { EventLog } from "./store/event-log.js";
import { KeyStore } from "./store/key-store.js";
import { ReplicationReports, sendReplicationReport } from "./store/replication-reports.js";
import { FollowedRegion } from "./replication/followed-region.js";
import { ReplicationMonitor, type ReplicationStatus } from "./replication/replication-monitor.js";
import { fromServiceError } from "./api/errors.js";
import type { Replicas } from "./application/secrets-service.js";
import { startNatsServer, type RunningNatsServer } from "./store/nats-server.js";
import { WatchedFile } from "./watched-file.js";

export type Logger = (line: Record<string, unknown>) => void;

export type StartedFrom = { readonly checkpoint: number } | { readonly replay: string };

export type RunningApp = {
  readonly endpoint: string;
  readonly natsUrl: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly credentialsSource: "environment" | "stored" | "generated";
  readonly credentialsFile: string;
  readonly catalog: SecretCatalog;
  readonly log: EventLog;
  /** Resolves once every audit record handed in so far is written. */
  whenAudited(): Promise<void>;
  /** Resolves when the connection to NATS is up (at once if it is). */
  whenStoreAvailable(): Promise<void>;
  /** Where the projection started: its checkpoint, or a replay from the first record (and why). */
  readonly startedFrom: StartedFrom;
  /** Writes the projection's checkpoint now (the service does it every SECRET_LEDGER_CHECKPOINT_EVERY_SECONDS). */
  checkpoint(): Promise<boolean>;
  /** Resolves once the keyring as last read is recorded in the key store (keys created while running). */
  whenKeyringClaimed(): Promise<void>;
  /** Completes the deletions whose recovery window has ended (the service also does it every minute). */
  purgeDueDeletions(): Promise<number>;
  /** Runs the compactor once (it also runs every SECRET_LEDGER_COMPACT_EVERY_SECONDS). */
  compact(options?: { readonly dryRun?: boolean }): Promise<CompactionReport>;
  /** Resolves once the data keys of every deletion and pruning read so far are destroyed. */
  whenKeysShredded(): Promise<void>;
  /**
   * Resolves once the log of the followed region `primary` is mirrored and folded here up to `seq`, every
   * replica served as far as that, and every report sent to the primary.
   */
  whenReplicaCaughtUp(primary: string, seq: number): Promise<void>;
  /** Resolves once `check` holds, looked at again as reports from replica regions arrive and are acted on. */
  whenReplicationReported(check: () => boolean): Promise<void>;
  /** How this region's secret `name` stands in the regions it is replicated to (DescribeSecret's ReplicationStatus). */
  replicationStatusOf(name: string): ReadonlyArray<ReplicationStatus>;
  stop(): Promise<void>;
};

/** How often the service looks for deletions whose recovery window has ended. */
const PURGE_EVERY_MS = 60_000;
/** How long /readyz waits for JetStream's answer, and for the projection to reach the log's end. */
const READY_WAIT_MS = 2000;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : "unknown");

/** `promise`, or a rejection once `ms` have passed. */
const bounded = <T>(promise: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

const ARN_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const randomArnSuffix = (): string =>
  Array.from({ length: 6 }, () => ARN_SUFFIX_ALPHABET[randomInt(ARN_SUFFIX_ALPHABET.length)]).join("");

/**
 * Starts the whole service: nats-server (unless NATS_URL names one), the log and key store, the projection
 * (folded from the log before the API opens), and the HTTP API.
 */
export const startApp = async (
  config: Config,
  options: {
    /** The service's time: versions, deletion windows. */
    readonly clock?: Clock;
    /** The time signatures are checked against; the service's clock unless a test moves that one alone. */
    readonly authClock?: Clock;
    readonly logger?: Logger;
    readonly operations?: Readonly<Record<string, Operation>>;
    /** The secrets-per-region quota; AWS's 500,000 unless a test needs a small one. */
    readonly maxSecrets?: number;
    /**
     * The audit trail; on unless the benchmark measures what it costs. Not a setting: the service as
     * `npm start` runs it always audits.
     */
    readonly audit?: boolean;
  } = {},
): Promise<RunningApp> => {
  const clock = options.clock ?? Date.now;
  const authClock = options.authClock ?? clock;
  const logger: Logger = options.logger ?? ((line) => process.stdout.write(JSON.stringify(line) + "\n"));
  ensureDataDir(config.dataDir);
  // One service per data directory when it runs its own nats-server there: two would share one store.
  const unlock = config.natsUrl === undefined ? lockDataDir(config.dataDir) : () => undefined;
  const home = { partition: config.partition, region: config.region, account: config.account };
  let bootstrapped: {
    credentials: ReturnType<typeof loadOrCreateCredentials>;
    keyring: WatchedFile<Keyring>;
    principals: WatchedFile<PrincipalRegistry>;
  };
  const reloadFailed = (what: string) => (path: string, error: unknown) =>
    logger({
      level: "error",
      msg: `${what} not reloaded; the previous one stays in use`,
      path,
      error: error instanceof Error ? error.message : "unknown",
    });
  try {
    loadOrCreateKeyring(config.keyringFile, legacyMasterKey(config.dataDir));
    bootstrapped = {
      credentials: loadOrCreateCredentials(config.dataDir, config.credentials),
      keyring: new WatchedFile(
        config.keyringFile,
        (path) => new Keyring(readKeyringFile(path), home),
        () => {
          throw new Error(`the keyring ${config.keyringFile} is gone`);
        },
        reloadFailed("keyring"),
      ),
      principals: new WatchedFile(
        config.principalsFile,
        (path) => readPrincipalsFile(path, config.account),
        (): PrincipalRegistry => new Map(),
        reloadFailed("principals file"),
      ),
    };
  } catch (e) {
    unlock();
    throw e;
  }
  const { credentials, source, file } = bootstrapped.credentials;
  const { keyring, principals } = bootstrapped;
  // The bootstrap credentials are the account's root: allowed everything, whatever the principals file says.
  const root: Identity = { credentials, principal: { kind: "root", arn: `arn:aws:iam::${config.account}:root` } };
  const identityOf = (accessKeyId: string): Identity | undefined =>
    accessKeyId === credentials.accessKeyId ? root : principals.current().get(accessKeyId);

  let nats: RunningNatsServer | undefined;
  let nc: NatsConnection | undefined;
  try {
    nats = await ownNatsServer(config);
    const natsUrl = config.natsUrl ?? (nats as RunningNatsServer).url;
    nc = await connect({
      servers: natsServers(natsUrl),
      name: "secret-ledger",
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // Each request would otherwise make an Error up front, for a stack trace should it fail: measurable CPU on
      // every publish and direct get (the profiles of PutSecretValue showed it).
      noAsyncTraces: true,
    });
    const connection = nc;
    const streamReplicas = config.streamReplicas;
    const log = await EventLog.open(nc, config.region, streamReplicas);
    const keys = await KeyStore.open(nc, config.region, streamReplicas);
    const link = new NatsLink(nc);
    const auditor = new Auditor(
      await AuditStream.open(nc, config.region, streamReplicas),
      keyring.current().derivedKey("audit-chain"),
      {
        spool: new AuditSpool(join(config.dataDir, `audit-spool-${config.region}.jsonl`)),
        available: () => link.available,
        onForwardError: (e) =>
          logger({ level: "error", msg: "spooled audit records not forwarded yet", error: errorText(e) }),
      },
    );
    link.onChange((up) => {
      logger({ level: up ? "info" : "error", msg: up ? "NATS reachable again" : "NATS out of reach: writes refused" });
      if (up) auditor.resume();
    });
    // Records spooled before a stop go onto the chain first.
    auditor.resume();
    const claimKeyring = async (current: Keyring): Promise<string | undefined> => {
      const claims: Array<[string, string]> = [
        ["default key", current.defaultKeyId],
        ...current
          .allMaterial()
          .map((m): [string, string] => [`material ${m.keyId}/${m.generation}`, materialFingerprint(m.material)]),
      ];
      for (const [what, fingerprint] of claims)
        if ((await keys.claim(what, fingerprint)) === "differs")
          return `the log of region ${config.region} was written with another keyring (its ${what} differs): every server on one log needs the same SECRET_LEDGER_KEYRING`;
      return undefined;
    };
    const differs = await claimKeyring(keyring.current());
    if (differs !== undefined) throw new Error(differs);
    // Keys created or rotated while the service runs are claimed as they appear.
    let keyringClaimed: Promise<unknown> = Promise.resolve();
    keyring.onChange((current) => {
      keyringClaimed = claimKeyring(current).then(
        (problem) => problem !== undefined && logger({ level: "error", msg: problem }),
        (e: unknown) =>
          logger({ level: "error", msg: "keyring not claimed", error: e instanceof Error ? e.message : "unknown" }),
      );
    });
    // The projection starts from its checkpoint when there is a good one, else from the log's first record.
    const checkpointFile = checkpointPath(config.dataDir, config.region);
    const restored = await readCheckpoint(checkpointFile, await log.identity());
    const catalog = E.isRight(restored) ? restored.right : new SecretCatalog();
    const startedFrom: StartedFrom = E.isRight(restored)
      ? { checkpoint: catalog.checkpoint }
      : { replay: restored.left };
    logger({
      level: "info",
      msg: E.isRight(restored) ? "projection restored from its checkpoint" : "projection replayed from the start",
      ...startedFrom,
    });
    const shredder = new KeyShredder(keys, (arn, error) =>
      logger({
        level: "error",
        msg: "data keys not destroyed",
        arn,
        error: error instanceof Error ? error.message : "unknown",
      }),
    );
    // The regions this one follows: their logs mirrored here, each folded into a catalog of its own.
    // Set once the service exists: what the followed regions and the monitor call back into.
    const late: { service?: SecretsService } = {};
    const followed = await Promise.all(
      config.follows.map(async (primary) => {
        const mirror = await EventLog.openMirror(connection, primary, streamReplicas);
        const file = checkpointPath(config.dataDir, primary);
        const restoredMirror = await readCheckpoint(file, await mirror.identity());
        const mirrorCatalog = E.isRight(restoredMirror) ? restoredMirror.right : new SecretCatalog();
        const region = new FollowedRegion({
          primary,
          home,
          catalog: mirrorCatalog,
          ownCatalog: catalog,
          keys,
          primaryKeys: KeyStore.ofRegion(connection, primary),
          keyring: () => keyring.current(),
          shredder,
          send: (secretName, report) => sendReplicationReport(connection, primary, config.region, secretName, report),
          replaceOwn: async (secretName) => {
            const replaced = await (late.service as SecretsService).deleteSecret({
              SecretId: secretName,
              ForceDeleteWithoutRecovery: true,
            });
            return E.isLeft(replaced) ? fromServiceError(replaced.left).message : undefined;
          },
          onError: (what, error) =>
            logger({
              level: "error",
              msg: `${what} failed`,
              error: error instanceof Error ? error.message : "unknown",
            }),
        });
        const mirrorFollower = mirror.follow(
          mirrorCatalog.checkpoint + 1,
          ({ seq, secretName, record }) => {
            const before = mirrorCatalog.entry(secretName).state;
            mirrorCatalog.apply(seq, secretName, record.events);
            region.applied(secretName, before, record.events);
          },
          (seq, why) => {
            logger({ level: "error", msg: "log record passed over", region: primary, seq, why });
            mirrorCatalog.passOver(seq);
          },
        );
        logger({
          level: "info",
          msg: E.isRight(restoredMirror)
            ? "followed region restored from its checkpoint"
            : "followed region replayed from the start",
          region: primary,
          ...(E.isRight(restoredMirror) ? { checkpoint: mirrorCatalog.checkpoint } : { replay: restoredMirror.left }),
        });
        await mirrorCatalog.whenCaughtUp(await mirror.lastSeq());
        const fromCheckpoint = E.isRight(restoredMirror) ? mirrorCatalog.checkpoint : 0;
        return { primary, mirror, catalog: mirrorCatalog, file, region, follower: mirrorFollower, fromCheckpoint };
      }),
    );
    const replicas: Replicas = {
      resolve: (reference) => {
        for (const f of followed) {
          const replica = f.region.resolve(reference);
          if (replica !== undefined) return replica;
        }
        return undefined;
      },
      all: function* () {
        for (const f of followed) yield* f.region.replicas();
      },
    };
    // This region's secrets replicated elsewhere: what the replica regions report of them.
    const monitor = new ReplicationMonitor((secretName, replica, report) => {
      (late.service as SecretsService).acknowledgePromotion(secretName, replica, report).then(
        () => monitor.changed(),
        (e: unknown) =>
          logger({ level: "error", msg: "promotion not recorded", error: e instanceof Error ? e.message : "unknown" }),
      );
    });
    const reportsFollower = (await ReplicationReports.open(nc, config.region, streamReplicas)).follow(
      (replica, name, report) => monitor.received(replica, name, report),
    );

    const follower = log.follow(
      catalog.checkpoint + 1,
      ({ seq, secretName, record }) => {
        catalog.apply(seq, secretName, record.events);
        for (const f of followed) f.region.ownChanged(secretName);
        for (const e of record.events)
          if (e.type === "SecretDeleted" || e.type === "VersionsPruned") shredder.shred(e.data);
      },
      (seq, why) => {
        logger({ level: "error", msg: "log record passed over", seq, why });
        catalog.passOver(seq);
      },
    );
    await catalog.whenCaughtUp(await log.lastSeq());

    const service = new SecretsService({
      log,
      keys,
      catalog,
      keyring: () => keyring.current(),
      home,
      clock,
      arnSuffix: randomArnSuffix,
      versionPolicy: {
        keep: config.versions.keep,
        minAgeMs: config.versions.minAgeHours * 60 * 60 * 1000,
        quota: config.versions.quota,
      },
      ...(options.maxSecrets === undefined ? {} : { maxSecrets: options.maxSecrets }),
      replicas,
      replicationStatus: (secret, subjectSeq) => monitor.statusOf(secret, subjectSeq),
      logFence: config.logFence,
      storeAvailable: () => link.available,
      onBackgroundError: (what, error) =>
        logger({ level: "error", msg: `${what} failed`, error: error instanceof Error ? error.message : "unknown" }),
    });
    late.service = service;
    for (const f of followed) await f.region.start();
    const authorizer = new Authorizer(config.account, (secretId) => service.accessTarget(secretId));
    const ledgerOperations = ledgerOperationsOf({
      log,
      home,
      service,
      authorizer,
      onUnreadable: (seq, why) => logger({ level: "error", msg: "log record passed over", seq, why }),
      catalog,
    });
    const metrics = new Metrics(
      {
        logPosition: () => catalog.checkpoint,
        logEnd: () => (link.available ? log.lastSeq() : Promise.reject(new Error("NATS out of reach"))),
        natsConnected: () => link.available,
        auditSpooled: () => auditor.spooled,
      },
      (name) => operationNames.includes(name) || Object.hasOwn(ledgerOperations, name),
    );
    /** Ready: NATS reachable, and the projection holds every record the log holds (or gets there soon). */
    const readiness = async (): Promise<ProbeAnswer> => {
      let end: number | undefined;
      let caughtUp = false;
      if (link.available)
        try {
          end = await bounded(log.lastSeq(), READY_WAIT_MS);
          caughtUp = catalog.checkpoint >= end || (await bounded(catalog.whenCaughtUp(end), READY_WAIT_MS), true);
        } catch {
          // Not reachable in time, or not caught up in time: not ready.
        }
      const ready = link.available && end !== undefined && caughtUp;
      return {
        status: ready ? 200 : 503,
        contentType: "application/json",
        body: JSON.stringify({
          ready,
          nats: link.available,
          logEnd: end ?? null,
          logPosition: catalog.checkpoint,
          auditSpooled: auditor.spooled,
        }),
      };
    };
    const requestLog: RequestLog = (entry) => {
      metrics.observe(entry.operation, entry.errorType ?? "Success", entry.millis / 1000);
      if (config.logRequests || entry.status >= 500)
        logger({ level: entry.status >= 500 ? "error" : "info", msg: "request", ...entry });
    };
    const server = createApiServer({
      operations: options.operations ?? operationsOf(service, authorizer),
      ledgerOperations,
      identityOf,
      limits: config.http,
      probes: {
        "/healthz": () => Promise.resolve({ status: 200, contentType: "text/plain", body: "ok\n" }),
        "/readyz": readiness,
        "/metrics": async () => ({ status: 200, ...(await metrics.exposition()) }),
      },
      ...(options.audit === false
        ? {}
        : {
            audit: {
              record: (entry) => auditor.record(entry),
              failClosed: config.auditFailClosed,
              targetOf: (secretId) => service.accessTarget(secretId).shownAs,
              onFailure: (requestId, error) =>
                logger({
                  level: "error",
                  msg: config.auditFailClosed
                    ? "audit record not written; secret values withheld"
                    : "audit record not written",
                  requestId,
                  error: error instanceof Error ? error.message : "unknown",
                }),
            },
          }),
      region: config.region,
      clock: authClock,
      log: requestLog,
      ...(config.rateLimits ? { rateLimits: new RateLimits(clock) } : {}),
      onInternalError: (requestId, error) =>
        logger({
          level: "error",
          msg: "internal error",
          requestId,
          error: error instanceof Error ? error.message : "unknown",
        }),
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.listen.port, config.listen.host, () => resolve());
    });
    const purgeDueDeletions = (): Promise<number> => service.purgeDueDeletions();
    const compact = async (options?: { readonly dryRun?: boolean }): Promise<CompactionReport> => {
      if (options?.dryRun !== true) await shredder.retryFailed();
      return service.compact(options);
    };
    const compactTimer = setInterval(() => {
      compact().catch((e: unknown) =>
        logger({ level: "error", msg: "compaction failed", error: e instanceof Error ? e.message : "unknown" }),
      );
    }, config.compactEverySeconds * 1000);
    compactTimer.unref();
    /**
     * Writes a catalog's checkpoint if it moved and every deletion read is shredded: this region's, and each
     * followed region's (its mirrored log has the primary's sequences). `written` is what the file holds:
     * nothing after a replay, even if the replay read the whole log.
     */
    const checkpointer =
      (c: SecretCatalog, l: EventLog, file: string, written: number) => async (): Promise<boolean> => {
        if (c.checkpoint === written || !shredder.settled) return false;
        const identity = await l.identity();
        if (!shredder.settled) return false;
        const at = c.checkpoint;
        await writeCheckpoint(file, identity, c);
        written = at;
        return true;
      };
    const writeOwn = checkpointer(
      catalog,
      log,
      checkpointFile,
      "checkpoint" in startedFrom ? startedFrom.checkpoint : 0,
    );
    const writeFollowed = followed.map((f) => checkpointer(f.catalog, f.mirror, f.file, f.fromCheckpoint));
    const writeIfDue = async (): Promise<boolean> => {
      for (const write of writeFollowed) await write();
      return writeOwn();
    };
    // One write at a time: the timer's and the stop's never overlap.
    let writing: Promise<boolean> = Promise.resolve(false);
    const checkpoint = (): Promise<boolean> => {
      writing = writing.then(writeIfDue, writeIfDue);
      return writing;
    };
    const checkpointTimer = setInterval(() => {
      checkpoint().catch((e: unknown) =>
        logger({ level: "error", msg: "checkpoint not written", error: e instanceof Error ? e.message : "unknown" }),
      );
    }, config.checkpointEverySeconds * 1000);
    checkpointTimer.unref();
    const purgeTimer = setInterval(() => {
      purgeDueDeletions().catch((e: unknown) =>
        logger({ level: "error", msg: "purge failed", error: e instanceof Error ? e.message : "unknown" }),
      );
    }, PURGE_EVERY_MS);
    purgeTimer.unref();
    const address = server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return {
      endpoint: `http://${host}:${address.port}`,
      natsUrl,
      credentials,
      credentialsSource: source,
      credentialsFile: file,
      catalog,
      log,
      whenAudited: async () => {
        await auditor.whenIdle();
        await auditor.whenForwarded();
      },
      whenStoreAvailable: () => link.whenUp(),
      startedFrom,
      checkpoint,
      whenKeyringClaimed: async () => {
        await keyringClaimed;
      },
      purgeDueDeletions,
      compact,
      whenKeysShredded: () => shredder.whenIdle(),
      whenReplicaCaughtUp: (primary, seq) => {
        const f = followed.find((x) => x.primary === primary);
        if (f === undefined) return Promise.reject(new Error(`region ${config.region} does not follow ${primary}`));
        return f.region.whenCaughtUp(seq);
      },
      whenReplicationReported: (check) => monitor.when(check),
      replicationStatusOf: (name) => {
        const { state, subjectSeq } = catalog.entry(name);
        return state.status === "active" ? monitor.statusOf(state, subjectSeq) : [];
      },
      stop: async () => {
        clearInterval(purgeTimer);
        clearInterval(compactTimer);
        clearInterval(checkpointTimer);
        // Stop taking requests and let those under way finish, then the consumer, then the connection.
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await follower.stop();
        for (const f of followed) {
          await f.region.stop();
          await f.follower.stop();
        }
        await reportsFollower.stop();
        await shredder.whenIdle();
        await checkpoint().catch((e: unknown) =>
          logger({ level: "error", msg: "checkpoint not written", error: e instanceof Error ? e.message : "unknown" }),
        );
        await auditor.whenIdle();
        auditor.stop();
        await connection.drain();
        await nats?.stop();
        unlock();
      },
    };
  } catch (e) {
    await nc?.close();
    await nats?.stop();
    unlock();
    throw e;
  }
};

/** Without NATS_URL, the nats-server of the data directory, started from nats.conf; none otherwise. */
const ownNatsServer = (config: Config): Promise<RunningNatsServer | undefined> =>
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
      servers: natsServers(config.natsUrl ?? (nats as RunningNatsServer).url),
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

/** NATS_URL may name several servers of one cluster, separated by commas. */
const natsServers = (natsUrl: string): string[] => natsUrl.split(",").map((url) => url.trim());
