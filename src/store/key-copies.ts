import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import * as t from "io-ts";
import { KeyedLock } from "../keyed-lock.js";
import { StoredSecretKey } from "./key-store.js";
import { jsonDecoder } from "./json-messages.js";
import { eraseMessage, messagesOn, readUpTo } from "./streams.js";
import { keyCopiesSubject, keyCopiesSubjects, keyStreamName } from "./subjects.js";

/**
 * A secret's key of one epoch copied from another region (a replica's primary), wrapped under a master key of this
 * region: `arn` is the primary secret's, which the key's wrapping and the data keys under it are bound to.
 */
export const CopiedKey = t.readonly(t.type({ arn: t.string, epoch: t.number, key: StoredSecretKey }));
export type CopiedKey = t.TypeOf<typeof CopiedKey>;

const CopiesMessage = t.readonly(t.type({ keys: t.readonlyArray(CopiedKey) }));

const decodeMessage = jsonDecoder(CopiesMessage);
const decodeCopies = (data: Uint8Array): ReadonlyArray<CopiedKey> => decodeMessage(data)?.keys ?? [];

/** How many subjects the copies are spread over: a secret's copies are all on one, found by its ARN. */
const BUCKETS = 1024;
/**
 * The most bytes of copies one message holds (a copy is about 250 bytes, more with the data keys of older versions
 * it holds anew), well under nats-server's largest message (1 MB by default).
 */
const MOST_BYTES_A_MESSAGE = 256 * 1024;
/** A bucket known to hold this many messages is written anew as one when a copy is added to it. */
const MERGE_FROM = 8;
/** How many buckets are written at once. */
const CONCURRENT_WRITES = 128;
/** How many buckets' copies are kept parsed in memory (wrapped keys, useless without the keyring). */
const CACHED_BUCKETS = 64;

/** The bucket (of BUCKETS) where the copies of secret `arn`'s keys are: FNV-1a of its UTF-16 code units. */
export const bucketOf = (arn: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < arn.length; i++) hash = Math.imul(hash ^ arn.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % BUCKETS;
};

/** Copies as messages hold them: each as JSON, as many a message as MOST_BYTES_A_MESSAGE lets. */
const messagesOf = (copies: ReadonlyArray<CopiedKey>): string[][] => {
  const messages: string[][] = [];
  let message: string[] = [];
  let bytes = 0;
  for (const copy of copies) {
    const json = JSON.stringify(copy);
    if (message.length > 0 && bytes + json.length > MOST_BYTES_A_MESSAGE) {
      messages.push(message);
      message = [];
      bytes = 0;
    }
    message.push(json);
    bytes += json.length + 1;
  }
  if (message.length > 0) messages.push(message);
  return messages;
};

/** Copies asked for: done once every bucket they go in is written. */
type Waiting = {
  readonly copies: ReadonlyArray<CopiedKey>;
  buckets: number;
  readonly done: () => void;
  readonly failed: (e: unknown) => void;
};

/**
 * The secrets' keys a region keeps for its replicas, beside its own keys in its key stream: many copies a message
 * (a first pass over 100,000 replicas writes about 1,000 messages, not 100,000, each an fsync), on one of 1,024
 * subjects chosen by the primary secret's ARN. Erasing a copy (its secret deleted there, its epoch replaced, the
 * region removed) writes its subject's copies anew without it and erases every message before (overwritten, as
 * KeyStore erases keys), so it finds every copy whichever server of the region wrote it. A crash between the two
 * leaves the old message too: the event that erased it is read again after a restart (a projection's checkpoint does
 * not pass a destruction before it is done), and erases it then. Copies are written together: those asked for while
 * a write is under way go in the next one.
 */
export class KeyCopies {
  /** How many messages of each bucket this process knows of (read as it started, or written since). */
  private readonly counts = new Uint16Array(BUCKETS);
  private readonly buckets = new KeyedLock();
  private readonly cache = new Map<number, ReadonlyArray<CopiedKey>>();
  private waiting: Waiting[] = [];
  private writing = false;

  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly region: string,
    /** Told when a bucket was written anew without copies it dropped, before its older messages are erased. */
    private readonly onRewritten?: () => void,
  ) {}

  /**
   * The copies of region `region`'s key stream (opened by KeyStore.open first: JetStream is not asked again whether
   * it answers, one request less as a cluster forms).
   */
  static async open(nc: NatsConnection, region: string, onRewritten?: () => void): Promise<KeyCopies> {
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    return new KeyCopies(jetstream(nc), jsm, keyStreamName(region), region, onRewritten);
  }

  /** Hands over every copy held now (some twice, or erased since in the log: a crash's leftovers), oldest first. */
  async readAll(onCopy: (copy: CopiedKey) => void): Promise<void> {
    const subjects = keyCopiesSubjects(this.region);
    const last = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subjects });
    if (last === null) return;
    this.counts.fill(0);
    await readUpTo(
      this.js,
      this.stream,
      last.seq,
      (m) => {
        const bucket = Number(m.subject.slice(m.subject.lastIndexOf(".") + 1));
        if (bucket >= 0 && bucket < BUCKETS) this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
        for (const copy of decodeCopies(m.data)) onCopy(copy);
      },
      { subject: subjects },
    );
  }

  /** Writes the copies; resolves once they are stored (fsync'd), with the copies asked for meanwhile. */
  async copy(copies: ReadonlyArray<CopiedKey>): Promise<void> {
    if (copies.length === 0) return;
    const stored = new Promise<void>((done, failed) => this.waiting.push({ copies, buckets: 0, done, failed }));
    this.write();
    await stored;
  }

  /** The copy of secret `arn`'s key of `epoch` (the newest, if written twice), or undefined if there is none. */
  get(arn: string, epoch: number): Promise<StoredSecretKey | undefined> {
    const bucket = bucketOf(arn);
    // Not while the bucket is written anew: its old messages and its new one are both there then.
    return this.buckets.run(String(bucket), async () => {
      const copies = this.cache.get(bucket) ?? (await this.read(bucket)).flatMap((m) => m.copies);
      this.remember(bucket, copies);
      for (let i = copies.length - 1; i >= 0; i--) {
        const copy = copies[i] as CopiedKey;
        if (copy.arn === arn && copy.epoch === epoch) return copy.key;
      }
      return undefined;
    });
  }

  /** Erases every copy of secret `arn`'s keys of an epoch below `below` (Infinity: all of them). */
  retire(arn: string, below: number): Promise<void> {
    const bucket = bucketOf(arn);
    return this.buckets.run(String(bucket), () => this.rewrite(bucket, [], (c) => c.arn === arn && c.epoch < below));
  }

  private write(): void {
    if (this.writing || this.waiting.length === 0) return;
    this.writing = true;
    // Whatever is asked for before the next turn of the event loop goes in this write.
    setImmediate(() => void this.writeWaiting());
  }

  private async writeWaiting(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    const byBucket = new Map<number, { copies: CopiedKey[]; waiting: Set<Waiting> }>();
    for (const w of batch)
      for (const copy of w.copies) {
        const bucket = bucketOf(copy.arn);
        let entry = byBucket.get(bucket);
        if (entry === undefined) byBucket.set(bucket, (entry = { copies: [], waiting: new Set() }));
        entry.copies.push(copy);
        if (!entry.waiting.has(w)) {
          entry.waiting.add(w);
          w.buckets++;
        }
      }
    const queue = [...byBucket];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const [bucket, { copies, waiting }] = next;
        try {
          await this.buckets.run(String(bucket), () => this.add(bucket, copies));
          for (const w of waiting) if (--w.buckets === 0) w.done();
        } catch (e) {
          for (const w of waiting) w.failed(e);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_WRITES, queue.length) }, worker));
    this.writing = false;
    this.write();
  }

  /** Adds copies to a bucket: a message of their own, or the bucket written anew when it has many already. */
  private async add(bucket: number, copies: ReadonlyArray<CopiedKey>): Promise<void> {
    if ((this.counts[bucket] ?? 0) >= MERGE_FROM) return this.rewrite(bucket, copies, () => false);
    this.cache.delete(bucket);
    for (const message of messagesOf(copies)) {
      await this.publish(bucket, message);
      this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    }
  }

  /**
   * Writes a bucket anew: its copies (the newest of each secret and epoch) without those `drop` names, and
   * `adding`; then erases every message it held before.
   */
  private async rewrite(
    bucket: number,
    adding: ReadonlyArray<CopiedKey>,
    drop: (copy: CopiedKey) => boolean,
  ): Promise<void> {
    const before = await this.read(bucket);
    const kept = new Map<string, CopiedKey>();
    let dropped = false;
    for (const copy of [...before.flatMap((m) => m.copies), ...adding]) {
      const id = `${copy.epoch} ${copy.arn}`;
      kept.delete(id);
      if (!drop(copy)) kept.set(id, copy);
      else dropped = true;
    }
    // Nothing to erase, nothing to keep apart from what is added: no rewrite.
    if (before.length === 0 && kept.size === 0) return;
    const messages = messagesOf([...kept.values()]);
    for (const message of messages) await this.publish(bucket, message);
    if (dropped) this.onRewritten?.();
    // Overwritten, as KeyStore erases keys; one another server erased first is gone already.
    for (const { seq } of before) await eraseMessage(this.jsm, this.stream, seq);
    this.counts[bucket] = messages.length;
    this.cache.delete(bucket);
  }

  private async publish(bucket: number, copies: ReadonlyArray<string>): Promise<void> {
    await this.js.publish(keyCopiesSubject(this.region, bucket), `{"keys":[${copies.join(",")}]}`);
  }

  /** Every message of a bucket, oldest first, as the stream holds them now. */
  private async read(
    bucket: number,
  ): Promise<Array<{ readonly seq: number; readonly copies: ReadonlyArray<CopiedKey> }>> {
    const messages: Array<{ readonly seq: number; readonly copies: ReadonlyArray<CopiedKey> }> = [];
    for await (const m of messagesOn(this.jsm, this.stream, keyCopiesSubject(this.region, bucket)))
      messages.push({ seq: m.seq, copies: decodeCopies(m.data) });
    return messages;
  }

  private remember(bucket: number, copies: ReadonlyArray<CopiedKey>): void {
    this.cache.delete(bucket);
    this.cache.set(bucket, copies);
    if (this.cache.size > CACHED_BUCKETS) this.cache.delete(this.cache.keys().next().value as number);
  }
}
