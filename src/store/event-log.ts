import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import * as E from "fp-ts/lib/Either.js";
import { randomUUID } from "node:crypto";
import { valuesOf, type CommandRecord } from "../domain/events.js";
import type { SealedValue } from "../domain/types.js";
import { readRecord } from "../domain/upcast.js";
import { readApart } from "./log-reader.js";
import {
  appendOnlyStream,
  ensureStream,
  followStream,
  isWrongLastSequence,
  readUpTo,
  type Follower,
} from "./streams.js";
import { nameOfSubject, secretSubject, streamName, subjectPrefix } from "./subjects.js";

export type AppendResult =
  /** `stored`: the record as the log holds it (as its JSON reads back), for the projection to fold at once. */
  | { readonly _tag: "Appended"; readonly seq: number; readonly stored: CommandRecord }
  /** Another writer appended to this secret first; `lastSeq` is the subject's sequence now. */
  | { readonly _tag: "Conflict"; readonly lastSeq: number };

/** One record read back from the log, decoded. */
export type LoggedRecord = {
  readonly seq: number;
  readonly secretName: string;
  readonly record: CommandRecord;
};

export type { Follower };

/** A record as read: JSON, its events upcast to the current schema, checked by the codecs. */
const decodeRecord = (payload: Uint8Array): E.Either<string, CommandRecord> => {
  let raw: unknown;
  try {
    // The payload's bytes as they are (Buffer.from(payload) alone would copy them first).
    raw = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8"));
  } catch {
    return E.left("not JSON");
  }
  return readRecord(raw);
};

const PUBLISH_ATTEMPTS = 3;
/** From how many records on a read goes to a thread of its own: below, starting the thread costs more than it saves. */
const READ_APART_FROM = 20_000;
const PUBLISH_TIMEOUT_MS = 5000;

/**
 * The append-only event log of one region: a JetStream stream with file storage that refuses deletes and
 * purges. This module is the only place that talks to the stream.
 */
export class EventLog {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
    private readonly region: string,
    /** A mirror of another region's log: read here, written only by that region. */
    readonly mirrored: boolean,
  ) {}

  /** `replicas`: how many JetStream servers keep the stream (1, or 3 on a cluster); set when it is made. */
  static async open(nc: NatsConnection, region: string, replicas = 1): Promise<EventLog> {
    const jsm = await jetstreamManager(nc);
    const stream = streamName(region);
    await ensureStream(jsm, {
      ...appendOnlyStream(stream, [`${subjectPrefix(region)}.*`], replicas),
      duplicate_window: nanos(2 * 60 * 1000),
    });
    return new EventLog(nc, jetstream(nc), jsm, stream, region, false);
  }

  /**
   * The log of region `primary`, as this region's JetStream mirrors it from the primary's domain over the
   * leafnode: the same records at the same sequences (so a checkpoint of it holds here as there), still
   * readable when the primary cannot be reached, and caught up when it can again.
   */
  static async openMirror(nc: NatsConnection, primary: string, replicas = 1): Promise<EventLog> {
    const jsm = await jetstreamManager(nc);
    const stream = streamName(primary);
    const { subjects: _none, ...appendOnly } = appendOnlyStream(stream, [], replicas);
    await ensureStream(jsm, {
      ...appendOnly,
      mirror: { name: stream, external: { api: `$JS.${primary}.API`, deliver: "" } },
      mirror_direct: true,
    });
    return new EventLog(nc, jetstream(nc), jsm, stream, primary, true);
  }

  /** Which log this is (a stream of this name made anew is another), and how far it goes. */
  async identity(): Promise<{ readonly stream: string; readonly created: string; readonly lastSeq: number }> {
    const info = await this.jsm.streams.info(this.stream);
    return { stream: this.stream, created: info.created, lastSeq: info.state.last_seq };
  }

  /** The stream's last sequence: what a projection must reach to have seen everything written so far. */
  async lastSeq(): Promise<number> {
    return (await this.jsm.streams.info(this.stream)).state.last_seq;
  }

  /**
   * Appends one command's record to the secret's subject if the subject's last sequence is still `expected`
   * (0: the subject must be new). Transport retries reuse one Nats-Msg-Id, so a lost ack cannot append twice.
   */
  async append(secretName: string, expected: number, record: CommandRecord): Promise<AppendResult> {
    if (this.mirrored) throw new Error(`the log of region ${this.region} is a mirror here: it is written there`);
    const subject = secretSubject(this.region, secretName);
    const msgID = randomUUID();
    const json = JSON.stringify(record);
    const payload = Buffer.from(json, "utf8");
    const stored = (): CommandRecord => JSON.parse(json) as CommandRecord;
    let lastError: unknown;
    for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
      try {
        const ack = await this.js.publish(subject, payload, {
          msgID,
          expect: { lastSubjectSequence: expected, streamName: this.stream },
          timeout: PUBLISH_TIMEOUT_MS,
        });
        return { _tag: "Appended", seq: ack.seq, stored: stored() };
      } catch (e) {
        if (isWrongLastSequence(e)) {
          // After a lost ack, newer servers answer a retry with "wrong last sequence" rather than "duplicate".
          const last = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
          if (last === null) throw e;
          if (attempt > 1 && last.header?.get("Nats-Msg-Id") === msgID)
            return { _tag: "Appended", seq: last.seq, stored: stored() };
          return { _tag: "Conflict", lastSeq: last.seq };
        }
        lastError = e;
      }
    }
    throw lastError;
  }

  /**
   * The values the record at `seq` holds, by VersionId. Read by direct get (any server of a cluster may answer;
   * one that does not have the record yet sends the read to the stream's leader).
   */
  async valuesAt(seq: number): Promise<ReadonlyMap<string, SealedValue>> {
    const message =
      (await this.jsm.direct.getMessage(this.stream, { seq })) ??
      (await this.jsm.streams.getMessage(this.stream, { seq }));
    if (message === null) throw new Error(`the log ${this.stream} has no record at ${seq}`);
    const decoded = decodeRecord(message.data);
    if (E.isLeft(decoded)) throw new Error(`the log record ${seq} does not decode: ${decoded.left}`);
    return valuesOf(decoded.right.events);
  }

  /**
   * Every record of the log, or of one secret's subject (every secret that ever had this name), in order, as
   * the log holds them now. A record that does not decode is reported through `onUnreadable` and left out.
   */
  async records(
    onUnreadable: (seq: number, why: string) => void,
    options: { readonly secretName?: string } = {},
  ): Promise<LoggedRecord[]> {
    const records: LoggedRecord[] = [];
    await this.scan((r) => records.push(r), onUnreadable, options);
    return records;
  }

  /**
   * Hands every record of the log (or of one secret's subject), in order, to `onRecord` as it is read, up to
   * the last one there was when the scan began; answers that sequence. Nothing is kept in memory.
   */
  async scan(
    onRecord: (logged: LoggedRecord) => void,
    onUnreadable: (seq: number, why: string) => void,
    options: { readonly secretName?: string } = {},
  ): Promise<number> {
    if (options.secretName === undefined) return (await this.readOn(1, onRecord, onUnreadable)).lastSeq;
    const subject = secretSubject(this.region, options.secretName);
    const lastSeq = (await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject }))?.seq ?? 0;
    await readUpTo(
      this.js,
      this.stream,
      lastSeq,
      (m) => this.hand(m.seq, nameOfSubject(m.subject), m.data, onRecord, onUnreadable),
      {
        subject,
      },
    );
    return lastSeq;
  }

  /**
   * Hands the records from `fromSeq` to the last one there is now to `onRecord`, in order; answers that last
   * sequence, and how many records were read apart. From `apartFrom` records on, they are read on a thread of its
   * own (log-reader.ts) and decoded here; should that thread fail, `onApartFailed` is told and the rest is read here.
   */
  async readOn(
    fromSeq: number,
    onRecord: (logged: LoggedRecord) => void,
    onUnreadable: (seq: number, why: string) => void,
    options: {
      readonly apartFrom?: number;
      readonly onApartFailed?: (why: string) => void;
      /** Where the reading thread connects: the server this connection is on, unless given. */
      readonly servers?: ReadonlyArray<string>;
    } = {},
  ): Promise<{ readonly lastSeq: number; readonly readApart: number }> {
    const lastSeq = await this.lastSeq();
    let next = fromSeq;
    if (lastSeq - fromSeq + 1 >= (options.apartFrom ?? READ_APART_FROM)) {
      const apart = await readApart(
        { servers: options.servers ?? [this.nc.getServer()], stream: this.stream, fromSeq, lastSeq },
        (seq, name, payload) => this.hand(seq, name, payload, onRecord, onUnreadable),
      );
      if (apart.failed !== undefined) options.onApartFailed?.(apart.failed);
      next = apart.through + 1;
    }
    await readUpTo(
      this.js,
      this.stream,
      lastSeq,
      (m) => this.hand(m.seq, nameOfSubject(m.subject), m.data, onRecord, onUnreadable),
      { fromSeq: next },
    );
    return { lastSeq, readApart: next - fromSeq };
  }

  /** One record read: decoded and handed on, or told as unreadable. */
  private hand(
    seq: number,
    secretName: string,
    payload: Uint8Array,
    onRecord: (logged: LoggedRecord) => void,
    onUnreadable: (seq: number, why: string) => void,
  ): void {
    const decoded = decodeRecord(payload);
    if (E.isLeft(decoded)) onUnreadable(seq, decoded.left);
    else onRecord({ seq, secretName, record: decoded.right });
  }

  /**
   * Delivers every record from `fromSeq` on, in order, then follows new ones. An ordered consumer stalls for
   * a while after a nats-server restart, so when it is recreated the follower starts a fresh one from the next
   * sequence it needs.
   */
  follow(
    fromSeq: number,
    onRecord: (logged: LoggedRecord) => void,
    onUnreadable: (seq: number, why: string) => void,
    /**
     * The consumer failed (a timeout while a cluster elects a leader, a lost connection) and is made again from
     * `nextSeq`. No record was read, so none is passed over: before, this reported `nextSeq` as unreadable and
     * the projection skipped that record when it came.
     */
    onRestart: (nextSeq: number, why: string) => void,
    /** Records up to this sequence were applied already (by whoever appended them): not even decoded. */
    appliedThrough: () => number = () => 0,
  ): Follower {
    let next = fromSeq;
    return followStream(
      this.nc,
      this.js,
      this.stream,
      () => ({ deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next }),
      (m) => {
        if (m.seq < next) return;
        if (m.seq <= appliedThrough()) {
          next = m.seq + 1;
          return;
        }
        this.hand(m.seq, nameOfSubject(m.subject), m.data, onRecord, onUnreadable);
        next = m.seq + 1;
      },
      (e) => onRestart(next, e instanceof Error ? e.message : String(e)),
    );
  }
}
