import type { ReplicationReport } from "../store/replication-reports.js";

/** How many reports are sent to the primary at once. */
const CONCURRENT_REPORTS = 64;
/** How long a replica region waits before it tries again what failed (a sync, or sending reports). */
export const RETRY_MS = 1000;

/** Whether two reports say the same: one need not be sent again when the primary holds the other. */
export const sameReport = (x: ReplicationReport, y: ReplicationReport): boolean =>
  x.arn === y.arn &&
  x.addedAt === y.addedAt &&
  x.seq === y.seq &&
  x.status === y.status &&
  x.message === y.message &&
  x.keys?.store === y.keys?.store &&
  x.keys?.keyId === y.keys?.keyId &&
  x.keys?.generation === y.keys?.generation;

/**
 * The reports a replica region sends its primary, by secret: the last one queued is what counts. They are sent a
 * few at a time; while the primary cannot be reached (a partition, or it is down) they wait, and are sent again a
 * second later.
 */
export class ReportQueue {
  private readonly unsent = new Map<string, ReplicationReport>();
  private sending = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (secretName: string, report: ReplicationReport) => Promise<void>,
    /** Told whenever what is sent or left to send changed. */
    private readonly changed: () => void,
  ) {}

  /** Every report queued is sent. */
  get idle(): boolean {
    return this.unsent.size === 0 && !this.sending;
  }

  /** No report is being sent now. */
  get resting(): boolean {
    return !this.sending;
  }

  queue(secretName: string, report: ReplicationReport): void {
    this.unsent.set(secretName, report);
    void this.sendAll();
  }

  /** Sends nothing more (what is being sent is let finish: see `resting`). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async sendAll(): Promise<void> {
    if (this.sending || this.stopped) return;
    this.sending = true;
    try {
      // A report that replaces one being sent stays queued: go round until none is left.
      while (this.unsent.size > 0) {
        const batch: Array<[string, ReplicationReport]> = [];
        for (const entry of this.unsent) {
          batch.push(entry);
          if (batch.length === CONCURRENT_REPORTS) break;
        }
        await Promise.all(
          batch.map(async ([name, report]) => {
            await this.send(name, report);
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
      this.changed();
    }
  }
}
