import {
  DiscardPolicy,
  JetStreamApiError,
  StorageType,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { ensureStream } from "./streams.js";
import { dataKeySubject, keyStreamName, masterKeyIdSubject, keySubjectPrefix } from "./subjects.js";

/** How many wrapped keys are kept in memory, most recently used first (about 100 bytes each). */
const CACHED_KEYS = 100_000;

/**
 * Wrapped data keys, one message per version on a stream of their own beside the log: the log is immutable,
 * the keys are not. Destroying a key erases its message, which overwrites the bytes in nats-server's files
 * (a KV purge would only hide them), so a pruned or deleted version's ciphertext, which stays in the log, can
 * never be decrypted again, from this store or from a backup taken afterwards. Reads are served from a bounded
 * cache of wrapped keys (useless without the master key); a key is written once and never changes, so a cached
 * entry is only ever removed, never stale.
 */
export class KeyStore {
  private readonly cache = new Map<string, string>();

  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly region: string,
  ) {}

  static async open(nc: NatsConnection, region: string): Promise<KeyStore> {
    const jsm = await jetstreamManager(nc);
    const stream = keyStreamName(region);
    await ensureStream(jsm, {
      name: stream,
      subjects: [`${keySubjectPrefix(region)}.>`],
      storage: StorageType.File,
      num_replicas: 1,
      max_msgs_per_subject: 1,
      discard: DiscardPolicy.Old,
      // Single keys are erased; the store as a whole is never purged.
      deny_delete: false,
      deny_purge: true,
      allow_direct: true,
    });
    return new KeyStore(jetstream(nc), jsm, stream, region);
  }

  /**
   * Records which master key wraps this region's data keys (by an identifier derived from it, not the key),
   * or checks it against the one recorded: every server on one log must use the same master key.
   */
  async claimMasterKey(masterKeyId: string): Promise<"recorded" | "matches" | "differs"> {
    const subject = masterKeyIdSubject(this.region);
    try {
      await this.js.publish(subject, masterKeyId, { expect: { lastSubjectSequence: 0 } });
      return "recorded";
    } catch (e) {
      if (!(e instanceof JetStreamApiError)) throw e;
      const recorded = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
      return recorded?.string() === masterKeyId ? "matches" : "differs";
    }
  }

  async put(arn: string, versionId: string, wrappedKey: string): Promise<void> {
    const subject = dataKeySubject(this.region, arn, versionId);
    await this.js.publish(subject, wrappedKey);
    this.remember(subject, wrappedKey);
  }

  /** The wrapped key, or undefined when there is none (never written, or destroyed). */
  async get(arn: string, versionId: string): Promise<string | undefined> {
    const subject = dataKeySubject(this.region, arn, versionId);
    const cached = this.cache.get(subject);
    if (cached !== undefined) {
      this.remember(subject, cached);
      return cached;
    }
    const message = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
    if (message === null) return undefined;
    const wrapped = message.string();
    this.remember(subject, wrapped);
    return wrapped;
  }

  /** Destroys a version's data key for good: its message is erased (overwritten), not just deleted. */
  async destroy(arn: string, versionId: string): Promise<void> {
    const subject = dataKeySubject(this.region, arn, versionId);
    this.cache.delete(subject);
    const message = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
    if (message !== null) await this.jsm.streams.deleteMessage(this.stream, message.seq, true);
  }

  private remember(subject: string, wrapped: string): void {
    this.cache.delete(subject);
    this.cache.set(subject, wrapped);
    if (this.cache.size > CACHED_KEYS) this.cache.delete(this.cache.keys().next().value as string);
  }
}
