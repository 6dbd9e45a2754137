import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { dataKeyKey, keyBucketName } from "./subjects.js";

/**
 * Wrapped data keys, one per version, kept in a KV bucket beside the log rather than in it: the log is
 * immutable, the keys are not, so destroying a key shreds the version whose ciphertext stays in the log.
 */
export class KeyStore {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, region: string): Promise<KeyStore> {
    const kv = await new Kvm(nc).create(keyBucketName(region), { history: 1, storage: "file" });
    return new KeyStore(kv);
  }

  async put(arn: string, versionId: string, wrappedKey: string): Promise<void> {
    await this.kv.put(dataKeyKey(arn, versionId), wrappedKey);
  }

  /** The wrapped key, or undefined when there is none (never written, or destroyed). */
  async get(arn: string, versionId: string): Promise<string | undefined> {
    const entry = await this.kv.get(dataKeyKey(arn, versionId));
    return entry === null || entry.operation !== "PUT" ? undefined : entry.string();
  }
}
