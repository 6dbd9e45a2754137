import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { dataKeyKey, keyBucketName } from "./subjects.js";

const MASTER_KEY_ID = "master-key-id";

/** How many wrapped keys are kept in memory, most recently used first (about 100 bytes each). */
const CACHED_KEYS = 100_000;

/**
 * Wrapped data keys, one per version, kept in a KV bucket beside the log rather than in it: the log is
 * immutable, the keys are not, so destroying a key shreds the version whose ciphertext stays in the log.
 * Reads are served from a bounded in-memory cache of wrapped keys (useless without the master key); a key
 * written once never changes, so a cached entry is only ever removed, never stale.
 */
export class KeyStore {
  private readonly cache = new Map<string, string>();

  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, region: string): Promise<KeyStore> {
    const kv = await new Kvm(nc).create(keyBucketName(region), { history: 1, storage: "file" });
    return new KeyStore(kv);
  }

  /**
   * Records which master key wraps this region's data keys (by an identifier derived from it, not the key),
   * or checks it against the one recorded: every server on one log must use the same master key.
   */
  async claimMasterKey(masterKeyId: string): Promise<"recorded" | "matches" | "differs"> {
    try {
      await this.kv.create(MASTER_KEY_ID, masterKeyId);
      return "recorded";
    } catch {
      const entry = await this.kv.get(MASTER_KEY_ID);
      return entry?.string() === masterKeyId ? "matches" : "differs";
    }
  }

  async put(arn: string, versionId: string, wrappedKey: string): Promise<void> {
    const key = dataKeyKey(arn, versionId);
    await this.kv.put(key, wrappedKey);
    this.remember(key, wrappedKey);
  }

  /** The wrapped key, or undefined when there is none (never written, or destroyed). */
  async get(arn: string, versionId: string): Promise<string | undefined> {
    const key = dataKeyKey(arn, versionId);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.remember(key, cached);
      return cached;
    }
    const entry = await this.kv.get(key);
    if (entry === null || entry.operation !== "PUT") return undefined;
    const wrapped = entry.string();
    this.remember(key, wrapped);
    return wrapped;
  }

  /** Destroys a version's data key for good (a purge leaves no earlier value behind in the bucket). */
  async destroy(arn: string, versionId: string): Promise<void> {
    const key = dataKeyKey(arn, versionId);
    this.cache.delete(key);
    const entry = await this.kv.get(key);
    if (entry !== null && entry.operation === "PUT") await this.kv.purge(key);
  }

  private remember(key: string, wrapped: string): void {
    this.cache.delete(key);
    this.cache.set(key, wrapped);
    if (this.cache.size > CACHED_KEYS) this.cache.delete(this.cache.keys().next().value as string);
  }
}
