import type { ActiveSecret } from "../domain/state.js";
import type { ReplicationReport, ReplicationWatermark } from "../store/replication-reports.js";
import { Signal } from "../signal.js";

/** One replica region of a secret as DescribeSecret shows it (the model's ReplicationStatusType). */
export type ReplicationStatus = {
  readonly Region: string;
  readonly KmsKeyId: string;
  readonly Status: "InSync" | "InProgress" | "Failed";
  readonly StatusMessage?: string;
};

/** How AWS names the default key of a replica region in ReplicationStatus. */
const DEFAULT_REPLICA_KEY = "alias/aws/secretsmanager";

const keyOf = (replica: string, secretName: string): string => `${replica}\n${secretName}`;

/**
 * The primary's view of its replicas: the last report of each replica region on each secret, and each replica
 * region's watermark. A replica is in sync once its region reports it has applied the secret's last record (on
 * its own, or its watermark has reached that record); until then (or while the region cannot be reached) it is
 * in progress; a failure is shown with the region's reason (a watermark does not cover it). A promotion is passed
 * on, for the primary to stop replicating the secret there.
 */
export class ReplicationMonitor {
  private readonly reports = new Map<string, ReplicationReport>();
  private readonly watermarks = new Map<string, number>();
  private readonly signal = new Signal();

  constructor(private readonly onPromoted: (secretName: string, replica: string, report: ReplicationReport) => void) {}

  received(replica: string, secretName: string, report: ReplicationReport): void {
    this.reports.set(keyOf(replica, secretName), report);
    if (report.status === "Promoted") this.onPromoted(secretName, replica, report);
    this.signal.changed();
  }

  receivedWatermark(replica: string, watermark: ReplicationWatermark): void {
    this.watermarks.set(replica, watermark.seq);
    this.signal.changed();
  }

  /** The status of each region `secret` is replicated to; `subjectSeq` is the sequence of its last record. */
  statusOf(secret: ActiveSecret, subjectSeq: number): ReadonlyArray<ReplicationStatus> {
    return (secret.replicas ?? []).map((replica) => {
      const report = this.reports.get(keyOf(replica.region, secret.name));
      const current = report !== undefined && report.arn === secret.arn && report.addedAt === replica.addedAt;
      const marked = (this.watermarks.get(replica.region) ?? 0) >= subjectSeq;
      const status: Pick<ReplicationStatus, "Status" | "StatusMessage"> =
        current && report.status === "Promoted"
          ? { Status: "InProgress" }
          : current && report.status === "Failed"
            ? { Status: "Failed", ...(report.message === undefined ? {} : { StatusMessage: report.message }) }
            : (current && report.seq >= subjectSeq) || marked
              ? { Status: "InSync" }
              : { Status: "InProgress" };
      return { Region: replica.region, KmsKeyId: replica.kmsKeyId ?? DEFAULT_REPLICA_KEY, ...status };
    });
  }

  /** Resolves once `check` holds, looked at again with each report received and each `changed()`. */
  when(check: () => boolean): Promise<void> {
    return this.signal.when(check);
  }

  /** The primary acted on a report (a promotion recorded): waiters look again. */
  changed(): void {
    this.signal.changed();
  }
}
