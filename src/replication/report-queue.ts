import type { ReplicationReport, ReplicationWatermark, SentReports } from "../store/replication-reports.js";

/** How many reports are sent to the primary at once. */
const CONCURRENT_REPORTS = 64;
/** How long a replica region waits before it tries again what failed (a sync, or sending reports). */
export const RETRY_MS = 1000;

/** Whether two reports say the same: one need not be sent again when the primary holds the other. */
const sameReport = (x: ReplicationReport, y: ReplicationReport): boolean =>
  x.arn === y.arn && x.addedAt === y.addedAt && x.seq === y.seq && x.status === y.status && x.message === y.message;

/**
 * What a replica region tells its primary: its watermark (every replica whose last record is at or below it is in
 * sync there), and a report on a single secret when it is not in sync (failed, promoted) or no longer so. A
 * report's last one queued is what counts; the watermark is asked for as it is sent, after the reports queued
 * before it (a failure is not covered by a watermark sent before it is reported). They are sent a few at a time;
 * while the primary cannot be reached (a partition, or it is down) they wait, and are sent again a second later.
 */
export class ReportQueue {
  private readonly unsent = new Map<string, ReplicationReport>();
  private watermarkDue = false;
  private sending = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  /**
   * The reports on single secrets the primary holds that say other than in sync: read from there as replication
   * starts (undefined if it could not be: then every replica in sync is reported on its own until the first pass
   * is over), then kept up as they are sent.
   */
  private exceptions: Map<string, ReplicationReport> | undefined;
  /** The last watermark the primary holds. */
  private watermarkSent: number | undefined;
  /**
   * The replicas not in sync as of the catalog: the sequence of the first record of each that is not served yet
   * (or failed to be). The watermark stays below the lowest.
   */
  private readonly pendingSince = new Map<string, number>();

  constructor(
    private readonly deps: {
      readonly send: (secretName: string, report: ReplicationReport) => Promise<void>;
      readonly sendWatermark: (watermark: ReplicationWatermark) => Promise<void>;
      /** The sequence the catalog of the primary's secrets is folded to; undefined while no watermark may be sent. */
      readonly checkpoint: () => number | undefined;
      /** Told whenever what is sent or left to send changed. */
      readonly changed: () => void;
    },
  ) {}

  /** What the primary holds, as replication starts (undefined if it could not be read). */
  restore(sent: SentReports | undefined): void {
    this.watermarkSent = sent?.watermark?.seq;
    this.exceptions =
      sent === undefined ? undefined : new Map([...sent.reports].filter(([, report]) => report.status !== "InSync"));
  }

  /** The first pass is over: a watermark says what it did. */
  firstPassOver(): void {
    this.exceptions ??= new Map();
    this.queueWatermark();
  }

  /** Replica `name` is not in sync from its record at `seq` on (unless it is not from an earlier one already). */
  pending(name: string, seq: number): void {
    if (!this.pendingSince.has(name)) this.pendingSince.set(name, seq);
  }

  /** Secret `name` is not replicated to this region (any more): the watermark does not wait for it. */
  notReplicated(name: string): void {
    this.pendingSince.delete(name);
  }

  /**
   * How replica `name` stands (its last record now at `lastSeq`): in sync is the watermark's to say, unless the
   * primary holds a report on it that says otherwise (then a report says it no longer does); failed or promoted, a
   * report, unless the primary holds it.
   */
  report(name: string, report: ReplicationReport, lastSeq: number): void {
    // In sync as of the record it was synced at, and pending no more, unless a newer one came meanwhile; a failure
    // is its report's to say.
    if (report.status === "InSync" && lastSeq > report.seq) this.pendingSince.set(name, report.seq + 1);
    else this.pendingSince.delete(name);
    const standing = this.exceptions?.get(name);
    if (report.status === "InSync" && this.exceptions !== undefined && standing === undefined) {
      this.queueWatermark();
      return;
    }
    if (report.status === "InSync") this.exceptions?.delete(name);
    else this.exceptions?.set(name, report);
    if (standing === undefined || !sameReport(standing, report)) this.queue(name, report);
  }

  /** Every report queued is sent. */
  get idle(): boolean {
    return this.unsent.size === 0 && !this.watermarkDue && !this.sending;
  }

  /** No report is being sent now. */
  get resting(): boolean {
    return !this.sending;
  }

  private queue(secretName: string, report: ReplicationReport): void {
    this.unsent.set(secretName, report);
    void this.sendAll();
  }

  /** The watermark may have moved: it is sent once the reports queued are. */
  private queueWatermark(): void {
    this.watermarkDue = true;
    void this.sendAll();
  }

  /** Sends nothing more (what is being sent is let finish: see `resting`). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Every replica whose last record is at or below it is in sync: the checkpoint, below any replica pending. */
  private watermark(): number | undefined {
    let seq = this.deps.checkpoint();
    if (seq === undefined) return undefined;
    for (const since of this.pendingSince.values()) seq = Math.min(seq, since - 1);
    return seq;
  }

  private async sendAll(): Promise<void> {
    if (this.sending || this.stopped) return;
    this.sending = true;
    try {
      // A report that replaces one being sent stays queued: go round until none is left.
      while (this.unsent.size > 0 || this.watermarkDue) {
        if (this.unsent.size === 0) {
          this.watermarkDue = false;
          const seq = this.watermark();
          if (seq !== undefined && seq !== this.watermarkSent) {
            await this.deps.sendWatermark({ seq }).catch((e: unknown) => {
              this.watermarkDue = true;
              throw e;
            });
            this.watermarkSent = seq;
          }
          continue;
        }
        const batch: Array<[string, ReplicationReport]> = [];
        for (const entry of this.unsent) {
          batch.push(entry);
          if (batch.length === CONCURRENT_REPORTS) break;
        }
        await Promise.all(
          batch.map(async ([name, report]) => {
            await this.deps.send(name, report);
            if (this.unsent.get(name) === report) this.unsent.delete(name);
          }),
        );
      }
    } catch {
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.sendAll(), RETRY_MS);
        this.timer.unref();
      }
    } finally {
      this.sending = false;
      this.deps.changed();
    }
  }
}
