import * as E from "fp-ts/lib/Either.js";
import { valuesOf, type CommandRecord, type SecretEvent } from "../domain/events.js";
import type { SealedValue, ValueRef, VersionId } from "../domain/types.js";
import type { ServiceError } from "./errors.js";
import type { ValueLog } from "./ports.js";

// A version's value stays in the log record that wrote it (its ciphertext, and its data key wrapped beside it);
// the projection keeps only where it is (ValueRef.seq). A value is read from its record when it is opened, behind
// a cache of ciphertext bounded in bytes: never plaintext, which only ever exists while a request is answered.

/** What one cached value is counted as besides its ciphertext and wrapped key: the objects and the Map's entry. */
const ENTRY_OVERHEAD = 200;

const sizeOf = (value: SealedValue): number =>
  ENTRY_OVERHEAD +
  value.ciphertext.length +
  value.fingerprint.length +
  (value.key.in === "log" ? value.key.wrapped.length : 0);

/** The values of one log (a region's own, or a followed region's mirror), read from their records, cached. */
export class ValueReader {
  /** By `<seq> <VersionId>`, least recently used first. */
  private readonly cache = new Map<string, SealedValue>();
  private bytes = 0;

  constructor(
    private readonly log: ValueLog,
    /** How many bytes of ciphertext (and wrapped keys) the cache may hold; 0: none. */
    private readonly maxBytes: number,
    /** Whether the log can be read now (NATS in reach): while not, a value not cached is StorageUnavailable. */
    private readonly available: () => boolean = () => true,
  ) {}

  /**
   * Version `versionId`'s value, which `ref` places: in the log record `ref.seq`, or (no `seq`) among `pending`, the
   * events of a command not yet appended. StorageUnavailable while NATS is out of reach and it is not cached. A
   * record the log no longer has, or without that value, is an error of the log's (thrown): the projection folded
   * it from there.
   */
  async sealed(
    versionId: VersionId,
    ref: ValueRef,
    pending: ReadonlyArray<SecretEvent> = [],
  ): Promise<E.Either<ServiceError, SealedValue>> {
    if (ref.seq === undefined) {
      const value = valuesOf(pending).get(versionId);
      if (value === undefined) throw new Error(`version ${versionId}'s value is neither in the log nor on its way`);
      return E.right(value);
    }
    const key = `${ref.seq} ${versionId}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return E.right(cached);
    }
    if (!this.available()) return E.left({ _tag: "StorageUnavailable" });
    const value = (await this.log.valuesAt(ref.seq)).get(versionId);
    if (value === undefined) throw new Error(`the log record ${ref.seq} holds no value of version ${versionId}`);
    this.keep(key, value);
    return E.right(value);
  }

  /**
   * The values of the record at `seq`, just appended (the writer's own) or just folded (a followed region's, whose
   * replicas' keys are copied next): the reads that follow find them here.
   */
  appended(seq: number, record: CommandRecord): void {
    for (const [versionId, value] of valuesOf(record.events)) this.keep(`${seq} ${versionId}`, value);
  }

  private keep(key: string, value: SealedValue): void {
    const size = sizeOf(value);
    if (size > this.maxBytes || this.cache.has(key)) return;
    this.cache.set(key, value);
    this.bytes += size;
    for (const [oldest, dropped] of this.cache) {
      if (this.bytes <= this.maxBytes) break;
      this.cache.delete(oldest);
      this.bytes -= sizeOf(dropped);
    }
  }
}
