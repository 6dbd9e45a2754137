import { randomInt } from "node:crypto";
import type { SecretCatalog } from "../projections/secret-catalog.js";
import type { Operation } from "./api/operations.js";
import { commandHandler } from "./application/handle-command.js";
import { destructionOf, KeyShredder } from "./application/key-shredder.js";
import { newSecretKey, type Sealing } from "./application/sealing.js";
import type { KeyStep } from "./application/handle-command.js";
import { SecretKeys } from "./application/secret-keys.js";
import { ValueReader } from "./application/values.js";
import { compact, purgeDueDeletions, type CompactionReport } from "./application/maintenance.js";
import type { Clock } from "./application/ports.js";
import { serviceOf } from "./application/service.js";
import type { Config } from "./config.js";
import { ReplicationMonitor, type ReplicationStatus } from "./replication/replication-monitor.js";
import { writeServiceFile } from "./service-file.js";
import { checkpointPath } from "./store/checkpoint-file.js";
import type { EventLog } from "./store/event-log.js";
import { openDataDir } from "./app/data-dir.js";
import { startHttp } from "./app/http.js";
import { errorText, stdoutLogger, type Logger } from "./app/logger.js";
import { StopStack } from "./app/parts.js";
import { restoreProjection, startProjection, type Projection, type StartedFrom } from "./app/projection.js";
import { actOnPromotion, replicasOf, startFollowedRegion, startReplication, type Followed } from "./app/replication.js";
import { startRotation } from "./app/rotation.js";
import { claimKeyring, openStore } from "./app/store.js";
import { startTimers } from "./app/timers.js";

export type { Logger } from "./app/logger.js";
export type { StartedFrom } from "./app/projection.js";

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
  /** Starts the rotations and retries that are due (the service also looks every SECRET_LEDGER_ROTATION_CHECK_SECONDS). */
  rotateDue(): Promise<number>;
  /** Resolves once no rotation attempt runs in this instance. */
  whenRotationsIdle(): Promise<void>;
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

const ARN_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const randomArnSuffix = (): string =>
  Array.from({ length: 6 }, () => ARN_SUFFIX_ALPHABET[randomInt(ARN_SUFFIX_ALPHABET.length)]).join("");

/**
 * Starts the whole service as a list of parts: the data directory, the store (nats-server unless NATS_URL names
 * one), the projections (this region's and each followed region's, folded from the log before the API opens),
 * the use cases, replication, the HTTP API and the timers. A part that fails to start unwinds those before it.
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
    /** Told of each step of replacing a secret's key (a test stops the process between two of them). */
    readonly onKeyStep?: (step: KeyStep) => void;
    /**
     * The audit trail; on unless the benchmark measures what it costs. Not a setting: the service as
     * `npm start` runs it always audits.
     */
    readonly audit?: boolean;
    /**
     * Whether the data directory names this process as its running service (for the command line beside it); not
     * for the command line's own short-lived instance (compact).
     */
    readonly announce?: boolean;
  } = {},
): Promise<RunningApp> => {
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? stdoutLogger;
  const stack = new StopStack();
  try {
    const { home, credentials, keyring, identityOf, credentialsOf, reloadFailed } = openDataDir(config, stack, logger);
    const store = await openStore(config, stack, keyring, logger, () => options.onKeyStep?.("copies rewritten"));
    const { nc, log, keys, copies, link, auditor } = store;
    const keyringClaims = await claimKeyring(keys, keyring, config.region, logger);
    const secretKeys = new SecretKeys(keys, () => keyring.current());
    const values = new ValueReader(log, config.valueCacheBytes, () => link.available);
    const sealing: Sealing = { values, keys, secretKeys, keyring: () => keyring.current() };
    const shredder = new KeyShredder(
      {
        destroy: (arn, versionId) => keys.destroy(arn, versionId),
        retireSecretKeys: async (arn, below) => {
          await keys.retireSecretKeys(arn, below);
          secretKeys.forget(arn, below);
          // A replacement's older keys (a deletion erases them all: not a step of a replacement).
          if (Number.isFinite(below)) options.onKeyStep?.("old secret keys erased");
        },
        retireCopies: (arn, below) => copies.retire(arn, below),
      },
      (arn, error) => logger({ level: "error", msg: "data keys not destroyed", arn, error: errorText(error) }),
    );
    stack.push({ stop: () => shredder.whenIdle() });

    // This region's projection, restored first: the followed regions check their replicas' names against it.
    const own = await restoreProjection(log, checkpointPath(config.dataDir, config.region), {
      logger,
      what: "projection",
    });
    const { catalog } = own;
    const ownProjection: { appended?: Projection["appended"] } = {};
    const commands = commandHandler({
      log,
      newSecretKey: (after, carrying, pending) => newSecretKey(sealing, after, carrying, pending),
      catalog,
      clock,
      storeAvailable: () => link.available,
      ...(options.onKeyStep === undefined ? {} : { onKeyStep: options.onKeyStep }),
      // The projection is started just below; until then its consumer brings every record.
      onAppended: (seq, secretName, record) => {
        values.appended(seq, record);
        ownProjection.appended?.(seq, secretName, record);
      },
    });
    const followed: Followed[] = [];
    for (const primary of config.follows)
      followed.push(
        stack.push(
          await startFollowedRegion(primary, {
            config,
            nc,
            ownCatalog: catalog,
            keys,
            copies,
            keyring: () => keyring.current(),
            shredder,
            commands,
            logger,
            available: () => link.available,
          }),
        ),
      );
    const projection = stack.push(
      await startProjection(own, {
        logger,
        onApplied: ({ secretName, record }) => {
          for (const f of followed) f.region.ownChanged(secretName);
          for (const e of record.events) {
            const destruction = destructionOf(e);
            if (destruction !== undefined) shredder.shred(destruction);
          }
        },
        shredder,
      }),
    );
    ownProjection.appended = projection.appended;
    const versionPolicy = {
      keep: config.versions.keep,
      minAgeMs: config.versions.minAgeHours * 60 * 60 * 1000,
      quota: config.versions.quota,
    };
    // Its stop (waiting for the attempts under way) is pushed once the API is up, so it comes before the API's.
    const rotation = startRotation({
      config,
      home,
      commands,
      catalog,
      clock,
      versionPolicy,
      credentialsOf,
      reloadFailed,
      auditor,
      logger,
    });
    const service = serviceOf({
      commands,
      log,
      ...sealing,
      catalog,
      home,
      clock,
      arnSuffix: randomArnSuffix,
      versionPolicy,
      rotations: rotation.runner,
      maxSecrets: config.secretQuota,
      replicas: replicasOf(followed),
      // The monitor is made just below; this is asked only once requests are served.
      replicationStatus: (secret, subjectSeq) => monitor.statusOf(secret, subjectSeq),
      logFence: config.logFence,
      onBackgroundError: (what, error) => logger({ level: "error", msg: `${what} failed`, error: errorText(error) }),
    });
    // This region's secrets replicated elsewhere: what the replica regions report of them.
    const monitor: ReplicationMonitor = new ReplicationMonitor(
      actOnPromotion(service, logger, () => monitor.changed()),
    );
    stack.push(await startReplication({ config, nc, followed, monitor }));

    const http = stack.push(
      await startHttp({
        config,
        service,
        log,
        link,
        auditor,
        identityOf,
        clock,
        authClock: options.authClock ?? clock,
        logger,
        ...(options.operations === undefined ? {} : { operations: options.operations }),
        audit: options.audit !== false,
      }),
    );

    rotation.listening(http.endpoint);
    // The listings' index, made a slice at a time once the service answers (a listing waits for it):
    // it reads every entry a checkpoint restored, which a start does not wait for.
    const indexing = performance.now();
    void catalog.indexed().then(
      (index) =>
        logger({
          level: "info",
          msg: "listings' index ready",
          secrets: index.size,
          ms: Math.round(performance.now() - indexing),
        }),
      (e: unknown) => logger({ level: "error", msg: "listings' index not made", error: errorText(e) }),
    );

    stack.push(rotation);
    // The command line beside it finds the service through this file (its endpoint and nats-server).
    if (options.announce !== false)
      stack.push({
        stop: writeServiceFile(config.dataDir, {
          endpoint: http.endpoint,
          natsUrl: store.natsUrl,
          region: config.region,
        }),
      });

    const runCompactor = async (o?: { readonly dryRun?: boolean }): Promise<CompactionReport> => {
      if (o?.dryRun !== true) await shredder.retryFailed();
      return compact(service, o);
    };
    const checkpoint = async (): Promise<boolean> => {
      for (const f of followed) await f.projection.checkpoint();
      return projection.checkpoint();
    };
    stack.push(
      startTimers(logger, [
        { what: "compaction failed", everyMs: config.compactEverySeconds * 1000, work: () => runCompactor() },
        { what: "checkpoint not written", everyMs: config.checkpointEverySeconds * 1000, work: checkpoint },
        { what: "purge failed", everyMs: PURGE_EVERY_MS, work: () => purgeDueDeletions(service) },
        {
          what: "rotation check failed",
          everyMs: config.rotation.checkEverySeconds * 1000,
          work: () => rotation.runner.tick(),
        },
      ]),
    );
    return {
      endpoint: http.endpoint,
      natsUrl: store.natsUrl,
      credentials: credentials.credentials,
      credentialsSource: credentials.source,
      credentialsFile: credentials.file,
      catalog,
      log,
      whenAudited: async () => {
        await auditor.whenIdle();
        await auditor.whenForwarded();
      },
      whenStoreAvailable: () => link.whenUp(),
      startedFrom: own.startedFrom,
      checkpoint,
      whenKeyringClaimed: () => keyringClaims.whenClaimed(),
      purgeDueDeletions: () => purgeDueDeletions(service),
      compact: runCompactor,
      rotateDue: () => rotation.runner.tick(),
      whenRotationsIdle: () => rotation.runner.whenIdle(),
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
      stop: () => stack.unwind(),
    };
  } catch (e) {
    await stack.unwind().catch(() => undefined);
    throw e;
  }
};
