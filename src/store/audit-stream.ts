import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import * as E from "fp-ts/lib/Either.js";
import { AuditBatch, GENESIS, type ChainHead, type ChainedRecord } from "../audit/chain.js";
import { appendOnlyStream, ensureStream, isWrongLastSequence, readUpTo } from "./streams.js";
import { auditStreamName, auditSubject } from "./subjects.js";

const PUBLISH_TIMEOUT_MS = 5000;

export type AuditAppend =
  | { readonly _tag: "Appended"; readonly seq: number }
  /** Another server wrote to the chain first: its head is now this. */
  | { readonly _tag: "Conflict"; readonly seq: number; readonly head: ChainHead };

/** A message of the audit stream as it was read: its sequence and its bytes, not yet trusted. */
export type AuditMessage = { readonly seq: number; readonly payload: Uint8Array };

/**
 * The audit trail of one region: a stream of its own (file storage, no deletes, no purges) holding one chain of
 * records on one subject. The expected last subject sequence keeps the chain linear when several servers write.
 */
export class AuditStream {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
    private readonly subject: string,
  ) {}

  /** `replicas`: how many JetStream servers keep the stream (1, or 3 on a cluster); set when it is made. */
  static async open(nc: NatsConnection, region: string, replicas = 1): Promise<AuditStream> {
    const jsm = await jetstreamManager(nc);
    const stream = auditStreamName(region);
    await ensureStream(jsm, appendOnlyStream(stream, [auditSubject(region)], replicas));
    return new AuditStream(jetstream(nc), jsm, stream, auditSubject(region));
  }

  /** The chain's head as the stream holds it, and the sequence of the message that holds it (0: none). */
  async head(): Promise<{ readonly seq: number; readonly head: ChainHead }> {
    const last = await this.jsm.streams.getMessage(this.stream, { last_by_subj: this.subject });
    if (last === null) return { seq: 0, head: GENESIS };
    const decoded = AuditBatch.decode(last.json<unknown>());
    const record = E.isRight(decoded) ? decoded.right.records[decoded.right.records.length - 1] : undefined;
    // An unreadable head is a break verify will name; new records still chain on from its sequence.
    return { seq: last.seq, head: record === undefined ? GENESIS : { n: record.n, hash: record.hash } };
  }

  async append(expectedSeq: number, records: ReadonlyArray<ChainedRecord>): Promise<AuditAppend> {
    const batch: AuditBatch = { v: 1, records: [...records] };
    try {
      const ack = await this.js.publish(this.subject, JSON.stringify(batch), {
        expect: { lastSubjectSequence: expectedSeq, streamName: this.stream },
        timeout: PUBLISH_TIMEOUT_MS,
      });
      return { _tag: "Appended", seq: ack.seq };
    } catch (e) {
      if (isWrongLastSequence(e)) return { _tag: "Conflict", ...(await this.head()) };
      throw e;
    }
  }

  /** The stream's bounds as nats-server reports them. */
  async bounds(): Promise<{ readonly firstSeq: number; readonly lastSeq: number; readonly messages: number }> {
    const { state } = await this.jsm.streams.info(this.stream);
    return { firstSeq: state.first_seq, lastSeq: state.last_seq, messages: state.messages };
  }

  /**
   * Delivers every message from the first on, in order; with `follow`, keeps delivering new ones until
   * `signal` aborts. Otherwise it stops at the last sequence the stream reported when it started, or when a
   * fetch finds nothing more: a message nats-server finds damaged is not delivered, even if it is the last.
   */
  async read(
    onMessage: (m: AuditMessage) => void,
    options: { readonly follow?: boolean; readonly signal?: AbortSignal } = {},
  ): Promise<void> {
    if (options.follow === true) {
      const consumer = await this.js.consumers.get(this.stream, { deliver_policy: DeliverPolicy.All });
      const messages = await consumer.consume({ max_messages: 1000, expires: 5000 });
      options.signal?.addEventListener("abort", () => void messages.close());
      for await (const m of messages) onMessage({ seq: m.seq, payload: m.data });
      return;
    }
    const { lastSeq, messages: held } = await this.bounds();
    if (held === 0) return;
    await readUpTo(this.js, this.stream, lastSeq, (m) => onMessage({ seq: m.seq, payload: m.data }));
  }
}
