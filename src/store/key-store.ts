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
import * as t from "io-ts";
import { jsonChecker, jsonDecoder } from "./json-messages.js";
import { ensureStream, eraseMessage, isWrongLastSequence, messagesOn, readUpTo } from "./streams.js";
import {
  dataKeySubject,
  keyStreamName,
  keyringClaimSubject,
  keySubjectPrefix,
  secretKeySubject,
  secretKeysOf,
  secretKeysPrefix,
} from "./subjects.js";

/** A data key wrapped by one generation of one master key, as the key store keeps it. */
export const WrappedDataKey = t.readonly(t.type({ keyId: t.string, generation: t.number, wrapped: t.string }));
export type WrappedDataKey = t.TypeOf<typeof WrappedDataKey>;

/**
 * A secret's key of one epoch, wrapped by one generation of one master key, with the data keys of the versions
 * older than it that survived its making (`rewrapped`, by VersionId), wrapped under it.
 */
export const StoredSecretKey = t.readonly(
  t.type({
    keyId: t.string,
    generation: t.number,
    wrapped: t.string,
    rewrapped: t.readonly(t.record(t.string, t.string)),
  }),
);
export type StoredSecretKey = t.TypeOf<typeof StoredSecretKey>;

const decodeWrapped = jsonDecoder(WrappedDataKey);
const decodeSecretKey = jsonDecoder(StoredSecretKey);
/** Secrets' keys read at once: StoredSecretKey converts nothing, so each is checked, not built again. */
const checkSecretKey = jsonChecker(StoredSecretKey);
/** How many keys one pull of a read at once asks for: fewer round trips over the leafnode than the default. */
export const READ_AT_ONCE_BATCH = 10_000;

/** What reading a region's keys takes: a version's data key kept by version, and a secret's key of an epoch. */
export type KeyReader = {
  get(arn: string, versionId: string): Promise<WrappedDataKey | undefined>;
  getSecretKey(arn: string, epoch: number): Promise<StoredSecretKey | undefined>;
};

/** How many wrapped keys are kept in memory, most recently used first (about 100 bytes each). */
const CACHED_KEYS = 100_000;

/**
 * The keys kept beside the log, on a stream of their own: the log is immutable, the keys are not. Each secret's
 * key, one message per epoch (it wraps the data keys that sit beside their values in the log); and, for versions
 * written before event schema 2 and for replicas, each version's data key, one message per version. Destroying a
 * key erases its message, which overwrites the bytes in nats-server's files (a KV purge would only hide them), so
 * a pruned or deleted version's ciphertext, which stays in the log, can never be decrypted again, from this store
 * or from a backup taken afterwards. A version's data key re-wrapped under another master key (UpdateSecret with
 * a new KmsKeyId) is written anew and the old message erased. Data keys by version are read through a bounded
 * cache of wrapped keys (useless without the master keys), updated by this process's writes; another process's
 * re-wrap leaves a cached entry that still opens, under the older master key. Secrets' keys are kept open by
 * SecretKeys (src/application/secret-keys.ts).
 */
export class KeyStore {
  private readonly cache = new Map<string, WrappedDataKey>();

  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly region: string,
  ) {}

  /** `replicas`: how many JetStream servers keep the stream (1, or 3 on a cluster); set when it is made. */
  static async open(nc: NatsConnection, region: string, replicas = 1): Promise<KeyStore> {
    const jsm = await jetstreamManager(nc);
    const stream = keyStreamName(region);
    await ensureStream(
      jsm,
      {
        name: stream,
        subjects: [`${keySubjectPrefix(region)}.>`],
        storage: StorageType.File,
        num_replicas: replicas,
        // Never dropped by a limit (which would delete without erasing): every message goes by destroy or rewrap.
        max_msgs_per_subject: -1,
        discard: DiscardPolicy.Old,
        // Single keys are erased; the store as a whole is never purged.
        deny_delete: false,
        deny_purge: true,
        allow_direct: true,
        // A key stream made before keys could be re-wrapped kept one message per subject: lift that.
      },
      ["max_msgs_per_subject"],
    );
    return new KeyStore(jetstream(nc), jsm, stream, region);
  }

  /**
   * Records a fact about the keyring (which key is the default, a fingerprint of each key material, never the
   * key), or checks it against the one recorded: every server on one log must hold the same keyring.
   */
  async claim(what: string, fingerprint: string): Promise<"recorded" | "matches" | "differs"> {
    const subject = keyringClaimSubject(this.region, what);
    try {
      await this.js.publish(subject, fingerprint, { expect: { lastSubjectSequence: 0 } });
      return "recorded";
    } catch (e) {
      if (!(e instanceof JetStreamApiError)) throw e;
      const recorded = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
      return recorded?.string() === fingerprint ? "matches" : "differs";
    }
  }

  /**
   * When this region's key store was made (nats-server's time of its stream): one made again, its keys lost,
   * has another, and holds none of the copies a report about the one before says were made.
   */
  async madeAt(): Promise<string> {
    return (await this.jsm.streams.info(this.stream)).created;
  }

  async put(arn: string, versionId: string, key: WrappedDataKey): Promise<void> {
    const subject = dataKeySubject(this.region, arn, versionId);
    await this.js.publish(subject, JSON.stringify(key));
    this.remember(subject, key);
  }

  /**
   * Re-wraps a version's data key: the new wrapping is written, then every older one erased. A crash between
   * the two leaves the old one too, which `destroy` still erases.
   */
  async rewrap(arn: string, versionId: string, key: WrappedDataKey): Promise<void> {
    const subject = dataKeySubject(this.region, arn, versionId);
    const ack = await this.js.publish(subject, JSON.stringify(key));
    this.remember(subject, key);
    await this.eraseAll(subject, ack.seq);
  }

  /**
   * The wrapped data keys of region `region`, read through its JetStream domain over the leafnode: how a region
   * that replicates its secrets copies their keys (they stay wrapped under the primary's master keys on the way).
   */
  static ofRegion(nc: NatsConnection, region: string): KeyReader {
    const jsm = jetstreamManager(nc, { domain: region });
    const last = async (subject: string): Promise<string | undefined> =>
      (await (await jsm).streams.getMessage(keyStreamName(region), { last_by_subj: subject }))?.string();
    return {
      get: async (arn, versionId) => {
        const text = await last(dataKeySubject(region, arn, versionId));
        return text === undefined ? undefined : decodeWrapped(text);
      },
      getSecretKey: async (arn, epoch) => {
        const text = await last(secretKeySubject(region, arn, epoch));
        return text === undefined ? undefined : decodeSecretKey(text);
      },
    };
  }

  /**
   * The keys of the secrets whose ARN is one of `wanted` among region `region`'s, read at once through its
   * JetStream domain over the leafnode (one ordered consumer, not a read each), each handed to `onKey` as it comes;
   * false, none read, when its key store holds more than `most` keys (a read each is then sooner: one ordered
   * consumer reads some 100,000 messages a second over the leafnode, a read each some 10,000 with many at once).
   * Read on this thread: the NATS client's work is most of it, and a thread of its own costs more than it saves.
   */
  static async readSecretKeysOfRegion(
    nc: NatsConnection,
    region: string,
    wanted: ReadonlySet<string>,
    most: number,
    onKey: (arn: string, epoch: number, key: StoredSecretKey) => void,
  ): Promise<boolean> {
    const stream = keyStreamName(region);
    const subject = `${secretKeysPrefix(region)}.>`;
    const jsm = await jetstreamManager(nc, { domain: region });
    if ((await jsm.streams.info(stream)).state.messages > most) return false;
    const last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
    if (last === null) return true;
    // A key's subject: its secret's keys' subject, then its epoch.
    const arnOf = new Map<string, string>();
    for (const arn of wanted) arnOf.set(secretKeysOf(region, arn), arn);
    await readUpTo(
      jetstream(nc, { domain: region }),
      stream,
      last.seq,
      (m) => {
        const dot = m.subject.lastIndexOf(".");
        const arn = arnOf.get(m.subject.slice(0, dot));
        const key = arn === undefined ? undefined : checkSecretKey(m.data);
        if (arn !== undefined && key !== undefined) onKey(arn, Number(m.subject.slice(dot + 1)), key);
      },
      { subject, batch: READ_AT_ONCE_BATCH },
    );
    return true;
  }

  /**
   * Writes a secret's key of `epoch` unless that epoch has one already (a key of an epoch is never replaced: a
   * value in the log may have been sealed under it). True if this call wrote it.
   */
  async createSecretKey(arn: string, epoch: number, key: StoredSecretKey): Promise<boolean> {
    try {
      await this.js.publish(secretKeySubject(this.region, arn, epoch), JSON.stringify(key), {
        expect: { lastSubjectSequence: 0 },
      });
      return true;
    } catch (e) {
      if (isWrongLastSequence(e)) return false;
      throw e;
    }
  }

  /** A secret's key of `epoch`, or undefined when there is none (never written, or erased). */
  async getSecretKey(arn: string, epoch: number): Promise<StoredSecretKey | undefined> {
    const message = await this.jsm.streams.getMessage(this.stream, {
      last_by_subj: secretKeySubject(this.region, arn, epoch),
    });
    return message === null ? undefined : decodeSecretKey(message.string());
  }

  /** Erases every key of secret `arn` of an epoch below `below` (Infinity: all of them, the secret is gone). */
  async retireSecretKeys(arn: string, below: number): Promise<void> {
    for await (const message of messagesOn(this.jsm, this.stream, `${secretKeysOf(this.region, arn)}.*`)) {
      const epoch = Number(message.subject.slice(message.subject.lastIndexOf(".") + 1));
      if (epoch < below) await eraseMessage(this.jsm, this.stream, message.seq);
    }
  }

  /** The wrapped key, or undefined when there is none (never written, or destroyed). */
  async get(arn: string, versionId: string): Promise<WrappedDataKey | undefined> {
    const subject = dataKeySubject(this.region, arn, versionId);
    const cached = this.cache.get(subject);
    if (cached !== undefined) {
      this.remember(subject, cached);
      return cached;
    }
    const message = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
    if (message === null) return undefined;
    const wrapped = decodeWrapped(message.string());
    if (wrapped !== undefined) this.remember(subject, wrapped);
    return wrapped;
  }

  /** Destroys a version's data key for good: its messages are erased (overwritten), not just deleted. */
  async destroy(arn: string, versionId: string): Promise<void> {
    const subject = dataKeySubject(this.region, arn, versionId);
    this.cache.delete(subject);
    await this.eraseAll(subject, Number.MAX_SAFE_INTEGER);
  }

  /** Erases every message on `subject` below sequence `below`, oldest first. */
  private async eraseAll(subject: string, below: number): Promise<void> {
    for await (const message of messagesOn(this.jsm, this.stream, subject)) {
      if (message.seq >= below) return;
      await eraseMessage(this.jsm, this.stream, message.seq);
    }
  }

  private remember(subject: string, wrapped: WrappedDataKey): void {
    this.cache.delete(subject);
    this.cache.set(subject, wrapped);
    if (this.cache.size > CACHED_KEYS) this.cache.delete(this.cache.keys().next().value as string);
  }
}
