import type { AuditStream } from "../store/audit-stream.js";
import { chain, type AuditEntry, type ChainHead } from "./chain.js";

/** At most this many records go into one message (a record is a few hundred bytes; a message at most 1 MiB). */
const MAX_BATCH = 512;
const MAX_CONFLICT_RETRIES = 64;

type Pending = { readonly entry: AuditEntry; readonly done: (error?: unknown) => void };

/**
 * Writes audit records onto the chain with group commit: while one message is being written, the records that
 * arrive meanwhile wait and go together in the next one. `record` resolves once its record is stored (the
 * message acknowledged by JetStream, on disk with sync_interval: always) and rejects if it could not be; a
 * caller that must not answer without a record waits for it (fail closed). The cost of auditing a read is then
 * one stream write shared by every request in flight.
 */
export class Auditor {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private position: { seq: number; head: ChainHead } | undefined;

  constructor(
    private readonly stream: AuditStream,
    private readonly key: Buffer,
  ) {}

  record(entry: AuditEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        entry,
        done: (error) =>
          error === undefined
            ? resolve()
            : reject(error instanceof Error ? error : new Error("the audit record was not written")),
      });
      this.writing ??= this.drain();
    });
  }

  /** Resolves once every record handed in so far is written (or has failed). */
  async whenIdle(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.write(batch.map((p) => p.entry));
          for (const p of batch) p.done();
        } catch (e) {
          // Where the chain stands is no longer known (the write may have landed): read it again next time.
          this.position = undefined;
          for (const p of batch) p.done(e);
        }
      }
    } finally {
      this.writing = undefined;
    }
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
