import * as E from "fp-ts/lib/Either.js";
import { resolveReference, type SecretCatalog } from "../../projections/secret-catalog.js";
import { SecretIndex } from "../../projections/secret-index.js";
import type { KeyShredder } from "../application/key-shredder.js";
import type { ValueReader } from "../application/values.js";
import { usingDataKey, withDataKey, wrapWith, type DataKeyProblem, type KeySource } from "../application/sealing.js";
import type { Keyring } from "../crypto/keyring.js";
import type { SecretEvent } from "../domain/events.js";
import type { SecretReference } from "../domain/queries.js";
import { initialState, type ActiveSecret, type Replica, type SecretState } from "../domain/state.js";
import type { VersionId } from "../domain/types.js";
import type { KeyStore, WrappedDataKey } from "../store/key-store.js";
import type { ReplicationReport } from "../store/replication-reports.js";
import { Signal } from "../signal.js";
import { copiesReported, type Copied, type KnownCopies } from "./known-copies.js";
import { ReportQueue, RETRY_MS, sameReport } from "./report-queue.js";

/** A replica as this region serves it: the primary's secret under this region's ARN and KmsKeyId. */
export type ReplicaSecret = {
  readonly state: ActiveSecret;
  /** The primary secret's ARN: what its values are sealed for. */
  readonly primaryArn: string;
  readonly primaryRegion: string;
  /** Where its values are read: the primary's log as mirrored here. */
  readonly values: ValueReader;
};

/** The same ARN in another region: a replica's ARN. Secret names hold no `:`, so the fourth field is the region. */
export const arnInRegion = (arn: string, region: string): string => {
  const parts = arn.split(":");
  parts[3] = region;
  return parts.join(":");
};

/** How many replicas are synced at once: each sync mostly waits on a read from the primary and a write here. */
const CONCURRENT_SYNCS = 64;

/**
 * One region this region follows (a primary): its log, mirrored here, folded into a catalog of its secrets,
 * and the replicas of those replicated to this region. A replica is served once its data keys are here: they
 * are read from the primary's key store (wrapped under the primary's master keys), unwrapped with this region's
 * keyring and wrapped again under the replica's KmsKeyId into this region's key store. A replica is served as
 * of the last state whose keys were all copied, so a read never finds a version without its key. How each
 * replica stands goes back to the primary as a report; a deletion, pruning or removal of the region read in the
 * log destroys the keys here as well.
 */
export class FollowedRegion {
  /**
   * The replicas served, by name: each the primary's last state of it whose keys were all copied here, shown as a
   * replica (`view`) when asked for.
   */
  private readonly synced = new Map<string, ActiveSecret>();
  /**
   * The same states, as listings go through them (in each order, and by what filters look up): a replica sorts and
   * filters as its primary's secret does.
   */
  readonly index = new SecretIndex();
  private readonly dirty = new Set<string>();
  private readonly failed = new Set<string>();
  /** The secrets being synced now. */
  private readonly inFlight = new Set<string>();
  private retrying = false;
  /** Replicas are synced once start() is called (the service they may call back into exists by then). */
  private running = false;
  /** Past the first pass: a version that is not served yet has no key here yet, unless being copied. */
  private started = false;
  /**
   * During the first pass, the last report this region sent the primary about each secret (read from there as it
   * starts; undefined if it could not be): what it says was copied here is not read again, nor the report sent again.
   */
  private reported: ReadonlyMap<string, ReplicationReport> | undefined;
  /** When this region's key store was made, as each report says (read as replication starts). */
  private keysMadeAt = "";
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
      readonly keys: KeyStore;
      /** The primary region's key store (its data keys kept by version, and its secrets' keys). */
      readonly primaryKeys: KeySource;
      readonly keyring: () => Keyring;
      readonly shredder: KeyShredder;
      readonly send: (secretName: string, report: ReplicationReport) => Promise<void>;
      /** The last report this region sent the primary about each secret, by name; fails if the primary is out of reach. */
      readonly sent: () => Promise<ReadonlyMap<string, ReplicationReport>>;
      /** ForceOverwriteReplicaSecret: deletes this region's own secret of that name; a reason if it cannot. */
      readonly replaceOwn: (secretName: string) => Promise<string | undefined>;
      readonly onError: (what: string, error: unknown) => void;
    },
  ) {
    this.reports = new ReportQueue(deps.send, () => this.signal.changed());
  }

  /**
   * Starts from the catalog as restored: every replica it holds is served again once its keys are here. What the
   * reports this region sent say was copied is taken as here; the rest is checked (every key, if the primary
   * cannot be reached to read them).
   */
  async start(): Promise<void> {
    this.keysMadeAt = await this.deps.keys.madeAt();
    this.reported = await this.deps.sent().catch((e: unknown) => {
      this.deps.onError(`reading the reports sent to ${this.deps.primary} (every replica's keys are checked)`, e);
      return undefined;
    });
    for (const secret of this.deps.catalog.allSecrets())
      if (this.replicaOf(secret) !== undefined) this.dirty.add(secret.name);
    this.running = true;
    this.work();
    await this.whenIdle();
    this.started = true;
    this.reported = undefined;
  }

  /** Told of each record the catalog applied: destroys what it destroyed, and queues the secret's replica. */
  applied(secretName: string, before: SecretState, events: ReadonlyArray<SecretEvent>): void {
    const after = this.deps.catalog.entry(secretName).state;
    const was = before.status === "active" ? this.replicaOf(before) : undefined;
    const is = after.status === "active" ? this.replicaOf(after) : undefined;
    for (const e of events) {
      // The primary's secret keys erased there: not kept open here either.
      if (e.type === "SecretKeyReplaced" && e.data.keepOlder !== true)
        this.deps.primaryKeys.secretKeys.forget(e.data.arn, e.data.keyEpoch);
      if (e.type === "SecretDeleted") this.deps.primaryKeys.secretKeys.forget(e.data.arn, Number.POSITIVE_INFINITY);
    }
    if (was !== undefined && before.status === "active")
      for (const e of events) {
        if (e.type === "SecretDeleted" || e.type === "VersionsPruned")
          this.shred(secretName, e.data.arn, e.data.versionIds);
        if (
          e.type === "ReplicaRegionsRemoved" &&
          e.data.regions.includes(this.deps.home.region) &&
          e.data.promoted !== true
        )
          this.shred(secretName, before.arn, [...before.versions.keys()]);
      }
    if (is === undefined) this.serve(secretName);
    if (was !== undefined || is !== undefined) this.mark(secretName);
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
    const state = this.synced.get(name);
    const replica = state === undefined ? undefined : this.replicaOf(state);
    return state === undefined || replica === undefined ? undefined : this.view(state, replica);
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

  /**
   * Serves the replica of `name` as of the primary's state `state`, or (none) no longer serves one of that name;
   * the index follows.
   */
  private serve(name: string, state?: ActiveSecret): void {
    const before = this.synced.get(name);
    if (state === undefined) {
      if (before === undefined) return;
      this.synced.delete(name);
    } else this.synced.set(name, state);
    this.index.update(before ?? initialState, state ?? initialState);
  }

  /** This region's replica settings in `secret`, if it is replicated here. */
  private replicaOf(secret: ActiveSecret): Replica | undefined {
    return secret.replicas?.find((r) => r.region === this.deps.home.region);
  }

  /** Destroys a replica's keys here, unless the replica was promoted: the keys are then this region's secret's. */
  private shred(secretName: string, primaryArn: string, versionIds: ReadonlyArray<VersionId>): void {
    const arn = arnInRegion(primaryArn, this.deps.home.region);
    const own = this.deps.ownCatalog.entry(secretName).state;
    if (own.status === "active" && own.arn === arn) return;
    this.serve(secretName);
    this.deps.shredder.shred({ arn, versionIds });
  }

  /**
   * Syncs the replicas marked, a few at a time (one secret's never twice at once); a sync that fails is tried
   * again a second later.
   */
  private work(): void {
    while (this.running && !this.stopped && this.inFlight.size < CONCURRENT_SYNCS) {
      const name = this.nextDirty();
      if (name === undefined) break;
      this.dirty.delete(name);
      this.inFlight.add(name);
      this.sync(name)
        .catch((e: unknown) => {
          this.failed.add(name);
          this.deps.onError(`replicating ${name} from ${this.deps.primary}`, e);
        })
        .finally(() => {
          this.inFlight.delete(name);
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

  /** The first secret marked that is not being synced now. */
  private nextDirty(): string | undefined {
    for (const name of this.dirty) if (!this.inFlight.has(name)) return name;
    return undefined;
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
  // eslint-disable-next-line complexity -- a replica's sync is one sequence of AWS's replication outcomes, each reported.
  private async sync(name: string): Promise<void> {
    const { catalog, ownCatalog, keys, home } = this.deps;
    const { state, subjectSeq } = catalog.entry(name);
    const replica = state.status === "active" ? this.replicaOf(state) : undefined;
    if (state.status !== "active" || replica === undefined) {
      this.serve(name);
      return;
    }
    const arn = arnInRegion(state.arn, home.region);
    const report = (status: ReplicationReport["status"], message?: string, keys?: Copied): void =>
      this.report(name, {
        arn: state.arn,
        addedAt: replica.addedAt,
        seq: subjectSeq,
        status,
        ...(message === undefined ? {} : { message }),
        ...(keys === undefined ? {} : { keys }),
      });
    const failed = (message: string): void => {
      this.serve(name);
      report("Failed", `Replication failed: ${message}`);
    };
    const own = ownCatalog.entry(name).state;
    if (own.status === "active") {
      if (own.arn === arn && own.promotedFrom === state.arn) {
        this.serve(name);
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
    const copied = { store: this.keysMadeAt, keyId: wrapping.right.keyId, generation: wrapping.right.generation };
    const known = this.copiesOf(name, state, replica, copied);
    for (const [versionId, { value }] of state.versions) {
      const copies = known(versionId, value);
      if (copies === "here") continue;
      const here = copies === "none" ? undefined : await keys.get(arn, versionId);
      if (here !== undefined && here.keyId === wrapping.right.keyId && here.generation === wrapping.right.generation)
        continue;
      // A key here under another master key is wrapped anew; otherwise the primary's is copied.
      const to = { arn, versionId };
      const rewrap = (dataKey: Buffer): WrappedDataKey => wrapWith(wrapping.right, dataKey, to);
      let wrapped: E.Either<DataKeyProblem, WrappedDataKey>;
      if (here !== undefined) wrapped = await withDataKey(this.deps.keyring(), here, to, rewrap);
      // An empty version (a rotation's, not yet filled) has no key yet.
      else if (value === undefined) continue;
      else {
        const sealed = await this.deps.primaryKeys.values.sealed(versionId, value);
        if (E.isLeft(sealed)) return failed("the primary's log cannot be read here now.");
        wrapped = await usingDataKey(this.deps.primaryKeys, state, versionId, sealed.right.key, rewrap);
      }
      // None at the primary either: it was destroyed there (pruned or deleted); the log will say so here too.
      if (E.isLeft(wrapped) && wrapped.left._tag === "DataKeyDestroyed") continue;
      if (E.isLeft(wrapped))
        return failed(
          wrapped.left._tag === "MasterKeyUnavailable"
            ? `this region's keyring does not hold master key ${wrapped.left.keyId ?? "?"} (generation ${wrapped.left.generation ?? "?"}).`
            : `the data key of version ${versionId} does not open here.`,
        );
      if (here === undefined) await keys.put(arn, versionId, wrapped.right);
      else await keys.rewrap(arn, versionId, wrapped.right);
      // Pruned, deleted or removed from this region meanwhile: the copy must not outlive the key it came from.
      const now = catalog.entry(name).state;
      if (
        now.status !== "active" ||
        now.arn !== state.arn ||
        !now.versions.has(versionId) ||
        this.replicaOf(now) === undefined
      )
        await keys.destroy(arn, versionId);
    }
    // Removed from this region (or deleted) while the keys were being copied: not served, and queued again.
    const now = catalog.entry(name).state;
    if (now.status !== "active" || now.arn !== state.arn || this.replicaOf(now) === undefined) return;
    this.serve(name, state);
    report("InSync", undefined, copied);
  }

  /** What is known of the copies here of replica `name`'s keys (see KnownCopies), without reading them. */
  private copiesOf(name: string, state: ActiveSecret, replica: Replica, copied: Copied): KnownCopies {
    if (this.started) {
      // Past the first pass, a version new since the replica was last served has no key here yet.
      const served = this.synced.get(name)?.versions;
      return (versionId) => (served?.has(versionId) === true ? "check" : "none");
    }
    return this.reported === undefined
      ? () => "check"
      : copiesReported(this.reported.get(name), state, replica, copied);
  }

  /** The primary's secret as the replica shows it: this region's ARN and KmsKeyId, no replica list of its own. */
  private view(state: ActiveSecret, replica: Replica): ReplicaSecret {
    const { replicas: _replicas, kmsKeyId: _primaryKey, ...shared } = state;
    return {
      state: {
        ...shared,
        arn: arnInRegion(state.arn, this.deps.home.region),
        ...(replica.kmsKeyId === undefined ? {} : { kmsKeyId: replica.kmsKeyId }),
      },
      primaryArn: state.arn,
      primaryRegion: this.deps.primary,
      values: this.deps.primaryKeys.values,
    };
  }

  /** Queues a report for the primary, unless it is the one the primary holds already. */
  private report(name: string, report: ReplicationReport): void {
    const sent = this.reported?.get(name);
    if (sent === undefined || !sameReport(sent, report)) this.reports.queue(name, report);
  }
}
