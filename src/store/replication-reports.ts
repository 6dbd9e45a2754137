import {
  DeliverPolicy,
  DiscardPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import * as t from "io-ts";
import { jsonDecoder } from "./json-messages.js";
import { ensureStream, followStream, readUpTo, type Follower } from "./streams.js";
import {
  ofReplicationSubject,
  replicationStreamName,
  replicationSubject,
  replicationSubjectPrefix,
  replicationSubjectsOf,
  replicationWatermarkSubject,
} from "./subjects.js";

/**
 * How a replica region stands with one secret of its primary: in sync up to `seq` (the sequence of the secret's
 * last record it applied); failed, and why; or promoted to a standalone secret there. `arn` and `addedAt` say which
 * secret and which addition of the region the report is about. (Reports sent before the watermark also said where
 * the keys were copied, in `keys`: read, not used.)
 */
export const ReplicationReport = t.readonly(
  t.intersection([
    t.type({
      arn: t.string,
      addedAt: t.number,
      seq: t.number,
      status: t.keyof({ InSync: null, Failed: null, Promoted: null }),
    }),
    t.partial({ message: t.string }),
  ]),
);
export type ReplicationReport = t.TypeOf<typeof ReplicationReport>;

/**
 * How far a replica region serves its primary's replicas: every replica whose secret's last record is at or
 * below `seq` (in the primary's log) is in sync there, unless a report on that secret says otherwise.
 */
export const ReplicationWatermark = t.readonly(t.type({ seq: t.number }));
export type ReplicationWatermark = t.TypeOf<typeof ReplicationWatermark>;

const decodeReport = jsonDecoder(ReplicationReport);
const decodeWatermark = jsonDecoder(ReplicationWatermark);

const PUBLISH_TIMEOUT_MS = 5000;

/**
 * The primary region's side: a stream of the reports its replica regions send (the last one per replica region
 * and secret is kept, and each replica region's last watermark), which the primary follows to show
 * ReplicationStatus and to learn of promotions.
 */
export class ReplicationReports {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly stream: string,
  ) {}

  static async open(nc: NatsConnection, region: string, replicas = 1): Promise<ReplicationReports> {
    const jsm = await jetstreamManager(nc);
    const stream = replicationStreamName(region);
    await ensureStream(jsm, {
      name: stream,
      subjects: [`${replicationSubjectPrefix(region)}.>`],
      storage: StorageType.File,
      num_replicas: replicas,
      max_msgs_per_subject: 1,
      discard: DiscardPolicy.Old,
      allow_direct: true,
    });
    return new ReplicationReports(nc, jetstream(nc), stream);
  }

  /**
   * Hands over the last report of each replica region and secret, and each replica region's last watermark, then
   * every new one, until stopped.
   */
  follow(
    onReport: (replica: string, secretName: string, report: ReplicationReport) => void,
    onWatermark: (replica: string, watermark: ReplicationWatermark) => void,
  ): Follower {
    return followStream(
      this.nc,
      this.js,
      this.stream,
      // Again from the last of each after a restart of the consumer: a report handed over twice changes nothing.
      () => ({ deliver_policy: DeliverPolicy.LastPerSubject }),
      (m) => {
        const { replica, secretName } = ofReplicationSubject(m.subject);
        if (secretName === undefined) {
          const watermark = decodeWatermark(m.data);
          if (watermark !== undefined) onWatermark(replica, watermark);
          return;
        }
        const report = decodeReport(m.data);
        if (report !== undefined) onReport(replica, secretName, report);
      },
      () => undefined,
    );
  }
}

/**
 * The replica region's side: sends a report to the primary region's stream, over the leafnode (the subject is
 * the primary's; no stream here takes it). Fails when the primary cannot be reached; the caller tries again.
 */
export const sendReplicationReport = async (
  nc: NatsConnection,
  primary: string,
  replica: string,
  secretName: string,
  report: ReplicationReport,
): Promise<void> => {
  await jetstream(nc).publish(replicationSubject(primary, replica, secretName), JSON.stringify(report), {
    timeout: PUBLISH_TIMEOUT_MS,
  });
};

/** The replica region's side: sends its watermark to the primary region's stream, as a report is sent. */
export const sendReplicationWatermark = async (
  nc: NatsConnection,
  primary: string,
  replica: string,
  watermark: ReplicationWatermark,
): Promise<void> => {
  await jetstream(nc).publish(replicationWatermarkSubject(primary, replica), JSON.stringify(watermark), {
    timeout: PUBLISH_TIMEOUT_MS,
  });
};

/** What a replica region sent its primary: the last report about each secret (by name), and its last watermark. */
export type SentReports = {
  readonly reports: ReadonlyMap<string, ReplicationReport>;
  readonly watermark?: ReplicationWatermark;
};

/**
 * The replica region's side: what it sent the primary, read from the primary's stream over the leafnode. Fails
 * when the primary cannot be reached.
 */
export const sentReplicationReports = async (
  nc: NatsConnection,
  primary: string,
  replica: string,
): Promise<SentReports> => {
  const stream = replicationStreamName(primary);
  const jsm = await jetstreamManager(nc, { domain: primary, timeout: PUBLISH_TIMEOUT_MS });
  const marked = await jsm.streams.getMessage(stream, { last_by_subj: replicationWatermarkSubject(primary, replica) });
  const watermark = marked === null ? undefined : decodeWatermark(marked.data);
  const sent = { reports: new Map<string, ReplicationReport>(), ...(watermark === undefined ? {} : { watermark }) };
  const subjects = replicationSubjectsOf(primary, replica);
  const last = await jsm.streams.getMessage(stream, { last_by_subj: subjects });
  if (last === null) return sent;
  await readUpTo(
    jetstream(nc, { domain: primary, timeout: PUBLISH_TIMEOUT_MS }),
    stream,
    last.seq,
    (m) => {
      const report = decodeReport(m.data);
      const { secretName } = ofReplicationSubject(m.subject);
      if (report !== undefined && secretName !== undefined) sent.reports.set(secretName, report);
    },
    { subject: subjects },
  );
  return sent;
};
