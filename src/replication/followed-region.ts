import * as E from "fp-ts/lib/Either.js";
import { resolveReference, type SecretCatalog } from "../../projections/secret-catalog.js";
import type { SecretIndex } from "../../projections/secret-index.js";
import type { KeyShredder } from "../application/key-shredder.js";
import type { Keyring, WrappingKey } from "../crypto/keyring.js";
import type { SecretEvent } from "../domain/events.js";
import type { SecretReference } from "../domain/queries.js";
import type { ActiveSecret, Replica, SecretState } from "../domain/state.js";
import type { VersionId } from "../domain/types.js";
import type { ReplicationReport, ReplicationWatermark, SentReports } from "../store/replication-reports.js";
import { Signal } from "../signal.js";
import type { ReadPrimaryKeys, ReplicaKeys } from "./replica-keys.js";
import { arnInRegion, replicaSecret, type ReplicaSecret } from "./replica-secret.js";
import { ReportQueue, RETRY_MS } from "./report-queue.js";
import { ServedReplicas } from "./served-replicas.js";

/**
 * How many replicas are synced at once, one by one: each mostly waits on a read from the primary and a write here
 * (a first pass over many copies most of them together first: see copyAtOnce).
 */
const CONCURRENT_SYNCS = 64;
/** From how many replicas to copy the first pass reads the primary's secrets' keys at once. */
const READ_AT_ONCE_FROM = 1_000;

/**
 * One region this region follows (a primary): its log, mirrored here, folded into a catalog of its secrets,
 * and the replicas of those replicated to this region. A replica is served once its keys are here: its secret's
 * keys (its data keys are beside its values in the log, wrapped under them) are read from the primary's key store
 * (wrapped under the primary's master keys), unwrapped with this region's keyring and wrapped again under the
 * replica's KmsKeyId, into this region's copies (ReplicaKeys). A replica is served as of the last state whose keys
 * were all copied, so a read never finds a version without its key. How the replicas stand goes back to the
 * primary (a watermark, and a report on each one that is not in sync); a deletion, pruning or removal of the region
 * read in the log destroys the keys here as well.
 */
export class FollowedRegion {
  /** The replicas served, and their index. */
  private readonly replicas = new ServedReplicas();
  private readonly dirty = new Set<string>();
  private readonly failed = new Set<string>();
  /** The secrets being synced now. */
  private readonly inFlight = new Set<string>();
  private retrying = false;
  /** Replicas are synced once start() is called (the service they may call back into exists by then). */
  private running = false;
  /**
   * Past the first pass: watermarks are sent, replicas served are indexed as they are, and an erasure is done again
   * only for a replica being synced (in the first pass, for any: its keys may have been read before).
   */
  private started = false;
  /**
   * The replicas being synced whose keys were erased meanwhile (below which epoch; Infinity: all): their copies
   * being written may have missed the erasure, which is done again once they are.
   */
  private readonly erasedWhileSyncing = new Map<string, number>();
  private stopped = false;
  private timers = new Set<NodeJS.Timeout>();
  private readonly signal = new Signal();
  private readonly reports: ReportQueue;

  constructor(
    private readonly deps: {
      readonly primary: string;
      readonly home: { readonly region: string };
      /** The primary's secrets, folded from the mirrored log. */
      readonly catalog: SecretCatalog;
      /** This region's own secrets: a name taken here is not replicated over it (unless forced). */
      readonly ownCatalog: SecretCatalog;
      /** The keys copied here to serve the replicas. */
      readonly replicaKeys: ReplicaKeys;
      /** The primary's secrets' keys, read at once. */
      readonly readPrimaryKeys: ReadPrimaryKeys;
      readonly keyring: () => Keyring;
      readonly shredder: KeyShredder;
      readonly send: (secretName: string, report: ReplicationReport) => Promise<void>;
      readonly sendWatermark: (watermark: ReplicationWatermark) => Promise<void>;
      /** What this region sent the primary (its reports by secret, its watermark); fails if the primary is out of reach. */
      readonly sent: () => Promise<SentReports>;
      /** ForceOverwriteReplicaSecret: deletes this region's own secret of that name; a reason if it cannot. */
      readonly replaceOwn: (secretName: string) => Promise<string | undefined>;
      readonly onError: (what: string, error: unknown) => void;
    },
  ) {
    this.reports = new ReportQueue({
      send: deps.send,
      sendWatermark: deps.sendWatermark,
      // None in the first pass: its end sends one.
      checkpoint: () => (this.started ? this.deps.catalog.checkpoint : undefined),
      changed: () => this.signal.changed(),
    });
  }

  /**
   * Starts from the catalog as restored: every replica it holds is served again once its keys are here (those not
   * copied yet are; with many, the primary's secrets' keys are read at once first).
   */
  async start(): Promise<void> {
    const { replicaKeys, keyring } = this.deps;
    this.reports.restore(
      await this.deps.sent().catch((e: unknown) => {
        this.deps.onError(`reading the reports sent to ${this.deps.primary} (each is sent again)`, e);
        return undefined;
      }),
    );
    const replicas = [...this.deps.catalog.allSecrets()].filter((secret) => this.replicaOf(secret) !== undefined);
    await replicaKeys.start(replicas.map((secret) => secret.arn));
    // Each KmsKeyId's master key, once (not a copy of its material a replica).
    const wrappings = new Map<string | undefined, E.Either<unknown, WrappingKey>>();
    const wrappingOf = (secret: ActiveSecret): WrappingKey | undefined => {
      const kmsKeyId = this.replicaOf(secret)?.kmsKeyId;
      let wrapping = wrappings.get(kmsKeyId);
      if (wrapping === undefined) wrappings.set(kmsKeyId, (wrapping = keyring().forWrapping(kmsKeyId)));
      return E.isRight(wrapping) ? wrapping.right : undefined;
    };
    const toCopy: Array<{ readonly state: ActiveSecret; readonly wrapping: WrappingKey }> = [];
    for (const state of replicas) {
      const wrapping = wrappingOf(state);
      // A name taken here (to fail, overwrite or promote) is synced on its own; one whose keys are here is served.
      if (wrapping === undefined || this.deps.ownCatalog.entry(state.name).state.status === "active")
        this.dirty.add(state.name);
      else if (replicaKeys.hasAll(state, wrapping)) this.inSync(state);
      else {
        this.dirty.add(state.name);
        toCopy.push({ state, wrapping });
      }
    }
    if (toCopy.length >= READ_AT_ONCE_FROM) await this.copyAtOnce(toCopy);
    this.running = true;
    this.work();
    await this.whenIdle();
    this.started = true;
    this.erasedWhileSyncing.clear();
    this.replicas.indexAll();
    this.reports.firstPassOver();
  }

  /**
   * The first pass over many replicas to copy: the primary's secrets' keys are read at once, and the replicas they
   * have all the keys of are copied together and served (the others, and those changed meanwhile, are synced on
   * their own).
   */
  private async copyAtOnce(
    replicas: ReadonlyArray<{ readonly state: ActiveSecret; readonly wrapping: WrappingKey }>,
  ): Promise<void> {
    // As being synced: an erasure meanwhile is done again once their copies are written.
    for (const { state } of replicas) this.inFlight.add(state.name);
    const copied = await this.deps.replicaKeys
      .copyAtOnce(replicas, this.deps.readPrimaryKeys)
      .catch((e: unknown) => {
        this.deps.onError(`copying the keys of ${this.deps.primary}'s replicas at once (each is copied alone)`, e);
      })
      .finally(() => this.inFlight.clear());
    if (copied === undefined) return;
    for (const state of copied) {
      const { name } = state;
      const erased = this.erasedWhileSyncing.get(name);
      if (erased !== undefined) this.eraseCopies(name, state.arn, erased);
      if (this.deps.catalog.entry(name).state === state) this.inSync(state);
    }
  }

  /** Replica `state` (the catalog's now, its keys all here) is served as it is, in sync. */
  private inSync(state: ActiveSecret): void {
    const replica = this.replicaOf(state);
    if (replica === undefined) return;
    const seq = this.deps.catalog.entry(state.name).subjectSeq;
    this.dirty.delete(state.name);
    this.replicas.serve(state.name, state);
    this.report(state.name, { arn: state.arn, addedAt: replica.addedAt, seq, status: "InSync" });
  }

  /** Told of each record the catalog applied: destroys what it destroyed, and queues the secret's replica. */
  applied(secretName: string, before: SecretState, events: ReadonlyArray<SecretEvent>): void {
    const after = this.deps.catalog.entry(secretName).state;
    const was = before.status === "active" ? this.replicaOf(before) : undefined;
    const is = after.status === "active" ? this.replicaOf(after) : undefined;
    if (was !== undefined && before.status === "active")
      for (const e of events) {
        // The primary's secret keys erased there: their copies here too.
        if (e.type === "SecretKeyReplaced" && e.data.keepOlder !== true)
          this.eraseCopies(secretName, e.data.arn, e.data.keyEpoch);
        if (e.type === "SecretDeleted" || e.type === "VersionsPruned")
          this.shred(secretName, e.data.arn, e.data.versionIds);
        if (e.type === "SecretDeleted") this.eraseCopies(secretName, e.data.arn, Number.POSITIVE_INFINITY);
        if (e.type === "ReplicaRegionsRemoved" && e.data.regions.includes(this.deps.home.region)) {
          // A promoted replica's data keys were copied by version as it was promoted: the copies go either way.
          if (e.data.promoted !== true) this.shred(secretName, before.arn, [...before.versions.keys()]);
          this.eraseCopies(secretName, before.arn, Number.POSITIVE_INFINITY);
        }
      }
    if (is === undefined) this.replicas.serve(secretName);
    if (was !== undefined || is !== undefined) {
      // Before the first pass is over no watermark is sent, and the pass syncs every replica marked.
      if (this.started) this.reports.pending(secretName, this.deps.catalog.entry(secretName).subjectSeq);
      this.mark(secretName);
    }
    this.signal.changed();
  }

  /**
   * This region's own secret `secretName` changed (made, deleted, promoted): a replica of that name may now be
   * served, or not, or be reported otherwise.
   */
  ownChanged(secretName: string): void {
    const state = this.deps.catalog.entry(secretName).state;
    if (state.status === "active" && this.replicaOf(state) !== undefined) this.mark(secretName);
  }

  private mark(secretName: string): void {
    this.dirty.add(secretName);
    if (this.running) this.work();
  }

  /** The replica a SecretId names, as served now. */
  resolve(reference: SecretReference): ReplicaSecret | undefined {
    const name = resolveReference(reference, (n) => this.served(n)?.state);
    return name === undefined ? undefined : this.served(name);
  }

  /** The replica served as `name`, if any. */
  served(name: string): ReplicaSecret | undefined {
    const state = this.replicas.get(name);
    const replica = state === undefined ? undefined : this.replicaOf(state);
    return state === undefined || replica === undefined
      ? undefined
      : replicaSecret(state, replica, this.deps.primary, this.deps.home.region, this.deps.replicaKeys.source);
  }

  /**
   * Resolves once the mirrored log is folded up to `seq`, every replica synced as far as it can be, and every
   * report sent: what a test or the benchmark waits on.
   */
  whenCaughtUp(seq: number): Promise<void> {
    return this.signal.when(
      () =>
        this.deps.catalog.checkpoint >= seq && this.inFlight.size === 0 && this.dirty.size === 0 && this.reports.idle,
    );
  }

  /** Stops retrying, and resolves once the sync and the sending under way are done. */
  stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.reports.stop();
    return this.signal.when(() => this.inFlight.size === 0 && this.reports.resting);
  }

  private whenIdle(): Promise<void> {
    return this.signal.when(() => this.inFlight.size === 0 && this.dirty.size === 0);
  }

  /** The index of the replicas served, once the first pass's are all in it. */
  indexed(): Promise<SecretIndex> {
    return this.replicas.indexed();
  }

  /** This region's replica settings in `secret`, if it is replicated here. */
  private replicaOf(secret: ActiveSecret): Replica | undefined {
    return secret.replicas?.find((r) => r.region === this.deps.home.region);
  }

  /** Erases the copies here of the primary's secret `arn`'s keys of epochs below `below` (Infinity: all). */
  private eraseCopies(secretName: string, arn: string, below: number): void {
    this.deps.replicaKeys.forget(arn, below);
    this.deps.shredder.shred({ arn, copiesBelow: below });
    // Being copied, or in the first pass (whose copies may come from keys read before the erasure).
    if (this.inFlight.has(secretName) || !this.started)
      this.erasedWhileSyncing.set(secretName, Math.max(below, this.erasedWhileSyncing.get(secretName) ?? 0));
  }

  /**
   * Destroys a replica's data keys kept by version here, unless the replica was promoted: the keys are then this
   * region's secret's.
   */
  private shred(secretName: string, primaryArn: string, versionIds: ReadonlyArray<VersionId>): void {
    const arn = arnInRegion(primaryArn, this.deps.home.region);
    const own = this.deps.ownCatalog.entry(secretName).state;
    if (own.status === "active" && own.arn === arn) return;
    this.replicas.serve(secretName);
    this.deps.shredder.shred({ arn, versionIds });
  }

  /**
   * Syncs the replicas marked, a few at a time (one secret's never twice at once); a sync that fails is tried
   * again a second later.
   */
  private work(): void {
    if (!this.running || this.stopped) return;
    // One secret marked again while it is being synced waits for that sync to end.
    for (const name of this.dirty) {
      if (this.inFlight.size >= CONCURRENT_SYNCS) break;
      if (this.inFlight.has(name)) continue;
      this.dirty.delete(name);
      this.inFlight.add(name);
      this.sync(name)
        .catch((e: unknown) => {
          this.failed.add(name);
          this.reports.pending(name, this.deps.catalog.entry(name).subjectSeq);
          this.deps.onError(`replicating ${name} from ${this.deps.primary}`, e);
        })
        .finally(() => {
          this.inFlight.delete(name);
          // The first pass keeps them all until its end: its copies may come from keys read before.
          if (this.started) this.erasedWhileSyncing.delete(name);
          this.work();
          if (this.inFlight.size === 0 && this.failed.size > 0 && !this.retrying) {
            this.retrying = true;
            this.later(() => {
              this.retrying = false;
              for (const n of this.failed) this.dirty.add(n);
              this.failed.clear();
              this.work();
            });
          }
          this.signal.changed();
        });
    }
  }

  private later(run: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, RETRY_MS);
    timer.unref();
    this.timers.add(timer);
  }

  /** Brings the replica `name` up to the catalog's state of it, and reports how it stands. */
  private async sync(name: string): Promise<void> {
    const { catalog, ownCatalog, home } = this.deps;
    const { state, subjectSeq } = catalog.entry(name);
    const replica = state.status === "active" ? this.replicaOf(state) : undefined;
    // Not replicated here (any more): none to serve, nothing to report.
    if (state.status !== "active" || replica === undefined) {
      this.replicas.serve(name);
      this.reports.notReplicated(name);
      return;
    }
    const arn = arnInRegion(state.arn, home.region);
    const report = (status: ReplicationReport["status"], message?: string): void =>
      this.report(name, {
        arn: state.arn,
        addedAt: replica.addedAt,
        seq: subjectSeq,
        status,
        ...(message === undefined ? {} : { message }),
      });
    const failed = (message: string): void => {
      this.replicas.serve(name);
      report("Failed", `Replication failed: ${message}`);
    };
    const own = ownCatalog.entry(name).state;
    if (own.status === "active") {
      if (own.arn === arn && own.promotedFrom === state.arn) {
        this.replicas.serve(name);
        return report("Promoted");
      }
      if (replica.forceOverwrite !== true)
        return failed(`Secret name ${name} already exists in region ${home.region}.`);
      const refused = await this.deps.replaceOwn(name);
      if (refused !== undefined) return failed(refused);
    }
    const wrapping = this.deps.keyring().forWrapping(replica.kmsKeyId);
    if (E.isLeft(wrapping))
      return failed(`KMS key ${replica.kmsKeyId ?? "aws/secretsmanager"} is not available in region ${home.region}.`);
    const copied = await this.deps.replicaKeys.copy(state, arn, wrapping.right);
    // Erased meanwhile: the copies just written may have missed it.
    const erased = this.erasedWhileSyncing.get(name);
    if (erased !== undefined) this.eraseCopies(name, state.arn, erased);
    if (E.isLeft(copied)) return failed(copied.left);
    // Removed from this region (or deleted) while the keys were being copied: not served, and queued again.
    const now = catalog.entry(name).state;
    if (now.status !== "active" || now.arn !== state.arn || this.replicaOf(now) === undefined) return;
    this.replicas.serve(name, state);
    report("InSync");
  }

  /** Queues a report for the primary, unless it is the one the primary holds already. */
  private report(name: string, report: ReplicationReport): void {
    this.reports.report(name, report, this.deps.catalog.entry(name).subjectSeq);
  }
}
