import type { AuditStream } from "../store/audit-stream.js";
import { chain, type AuditEntry, type ChainHead, type ChainedRecord } from "./chain.js";
import { auditRecords, verifyChain } from "./verify.js";
import { isDisconnection } from "../store/nats-link.js";
import type { AuditSpool } from "./spool.js";

/** At most this many records go into one message (a record is a few hundred bytes; a message at most 1 MiB). */
const MAX_BATCH = 512;
const MAX_CONFLICT_RETRIES = 64;
/** While records wait in the spool, how often forwarding them is tried (and at once when NATS comes back). */
const FORWARD_RETRY_MS = 1000;
/**
 * How long a record nobody waits for (a write's, whose answer does not wait) may wait for others to go with it,
 * when no write of the chain is under way: at low rates each such record would otherwise be an fsync'd write of
 * its own, beside the log's, for the writes that follow to queue behind.
 */
const LINGER_MS = 10;

type Pending = { readonly entry: AuditEntry; readonly done: (error?: unknown) => void };

/**
 * Writes audit records onto the chain with group commit: while one message is being written, the records that
 * arrive meanwhile wait and go together in the next one. `record` resolves once its record is stored (the
 * message acknowledged by JetStream, on disk with sync_interval: always) and rejects if it could not be; a
 * caller that must not answer without a record waits for it (fail closed). The cost of auditing a read is then
 * one stream write shared by every request in flight.
 *
 * With a spool, a record the stream cannot take because NATS is out of reach is kept on local disk, fsync'd,
 * and counts as stored; later records go behind it, and the spool is forwarded onto the chain, in order, as
 * soon as the stream takes writes again. A write that failed may still have landed: its records are then on
 * the chain twice (same requestId), never missing.
 */
export class Auditor {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private position: { seq: number; head: ChainHead } | undefined;
  private retry: NodeJS.Timeout | undefined;
  private lingering: NodeJS.Timeout | undefined;
  private forwarded: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly stream: AuditStream,
    private readonly key: Buffer,
    private readonly options: {
      readonly spool?: AuditSpool;
      /** Whether NATS is reachable now: while not, records go straight to the spool. */
      readonly available?: () => boolean;
      readonly onForwardError?: (error: unknown) => void;
    } = {},
  ) {}

  /** The whole chain checked, as `audit verify` does: its head, or where it breaks. */
  verify(anchor?: ChainHead): ReturnType<typeof verifyChain> {
    return verifyChain(this.stream, this.key, anchor);
  }

  /** Every record on the chain, in order. */
  records(): Promise<ChainedRecord[]> {
    return auditRecords(this.stream);
  }

  /** How many records wait in the spool. */
  get spooled(): number {
    return this.options.spool?.size ?? 0;
  }

  /** Resolves once the spool is empty: every record spooled so far is on the chain. */
  whenForwarded(): Promise<void> {
    return this.spooled === 0 ? Promise.resolve() : new Promise((resolve) => this.forwarded.push(resolve));
  }

  /** No more forwarding attempts (the service stops; what is spooled stays for its next start). */
  stop(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    this.stopped = true;
  }

  /** Tries to forward the spool now (NATS is back). */
  resume(): void {
    if (this.spooled > 0) this.writing ??= this.drain();
  }

  /**
   * Writes `entry` onto the chain. `waited`: whether an answer waits for it (a read of values: written at once, with
   * whatever else is queued); otherwise it may linger up to LINGER_MS for company.
   */
  record(entry: AuditEntry, waited = true): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        entry,
        done: (error) =>
          error === undefined
            ? resolve()
            : reject(error instanceof Error ? error : new Error("the audit record was not written")),
      });
      if (waited || this.writing !== undefined) this.flush();
      else
        this.lingering ??= setTimeout(() => {
          this.lingering = undefined;
          this.flush();
        }, LINGER_MS).unref();
    });
  }

  /** Starts writing what is queued, unless a write is under way (which takes the queue up when it is done). */
  private flush(): void {
    clearTimeout(this.lingering);
    this.lingering = undefined;
    this.writing ??= this.drain();
  }

  /** Resolves once every record handed in so far is written (or has failed). */
  async whenIdle(): Promise<void> {
    if (this.queue.length > 0) this.flush();
    while (this.writing !== undefined) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      await this.forwardSpooled();
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.store(batch.map((p) => p.entry));
          for (const p of batch) p.done();
        } catch (e) {
          for (const p of batch) p.done(e);
        }
      }
    } finally {
      this.writing = undefined;
      if (this.spooled > 0 && this.retry === undefined && !this.stopped) {
        this.retry = setTimeout(() => {
          this.retry = undefined;
          this.resume();
        }, FORWARD_RETRY_MS);
        this.retry.unref();
      }
    }
  }

  /** Onto the chain; or, with a spool, into it when the stream cannot take them or older records wait there. */
  private async store(entries: ReadonlyArray<AuditEntry>): Promise<void> {
    const { spool, available } = this.options;
    if (spool === undefined || (spool.size === 0 && available?.() !== false)) {
      try {
        return await this.write(entries);
      } catch (e) {
        // Where the chain stands is no longer known (the write may have landed): read it again next time.
        this.position = undefined;
        // Only a lost connection is waited out on disk; a stream that refuses (or is gone) fails the records.
        if (spool === undefined || (available?.() !== false && !isDisconnection(e))) throw e;
      }
    }
    spool.append(entries);
  }

  /** The spooled records onto the chain, oldest first; those not written stay spooled. */
  private async forwardSpooled(): Promise<void> {
    const { spool, available } = this.options;
    if (spool === undefined || spool.size === 0 || available?.() === false) return;
    const entries = spool.read();
    for (let from = 0; from < entries.length; from += MAX_BATCH) {
      try {
        await this.write(entries.slice(from, from + MAX_BATCH));
      } catch (e) {
        this.position = undefined;
        spool.keepOnly(entries.slice(from));
        this.options.onForwardError?.(e);
        return;
      }
    }
    spool.clear();
    for (const resolve of this.forwarded.splice(0)) resolve();
  }

  private async write(entries: ReadonlyArray<AuditEntry>): Promise<void> {
    this.position ??= await this.stream.head();
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const { records, head } = chain(this.key, this.position.head, entries);
      const appended = await this.stream.append(this.position.seq, records);
      if (appended._tag === "Appended") {
        this.position = { seq: appended.seq, head };
        return;
      }
      // Another server extended the chain: link these records after its head instead.
      this.position = { seq: appended.seq, head: appended.head };
    }
    throw new Error("the audit chain stayed contended");
  }
}
