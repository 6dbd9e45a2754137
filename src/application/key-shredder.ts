import type { SecretEvent } from "../domain/events.js";

const CONCURRENT_DESTROYS = 16;

/**
 * Keys to destroy: data keys kept by version, the secret's keys of epochs below `secretKeysBelow`, and the copies
 * of them a replica region keeps, of epochs below `copiesBelow`.
 */
export type Destruction = {
  readonly arn: string;
  readonly versionIds?: ReadonlyArray<string>;
  readonly secretKeysBelow?: number;
  readonly copiesBelow?: number;
};

/** What the shredder needs of the key store. */
export type KeyDestroyer = {
  destroy(arn: string, versionId: string): Promise<void>;
  retireSecretKeys(arn: string, below: number): Promise<void>;
  retireCopies(arn: string, below: number): Promise<void>;
};

/** What an event of the log destroys: a deletion every key of the secret, a pruning or a new secret key the rest. */
export const destructionOf = (e: SecretEvent): Destruction | undefined =>
  e.type === "SecretDeleted"
    ? { arn: e.data.arn, versionIds: e.data.versionIds, secretKeysBelow: Number.POSITIVE_INFINITY }
    : e.type === "VersionsPruned"
      ? { arn: e.data.arn, versionIds: e.data.versionIds }
      : e.type === "SecretKeyReplaced" && e.data.keepOlder !== true
        ? { arn: e.data.arn, secretKeysBelow: e.data.keyEpoch }
        : undefined;

/**
 * Destroys keys: those of every version of a deleted secret and its secret's keys, those of pruned versions kept
 * by version, and a secret's keys older than the one that replaced them, in the order the events appear in the
 * log. Every server that follows the log does it (destroying is idempotent), so a crash between the event and the
 * destruction is made good when any server next reads that event; a destruction that fails while running is kept
 * and tried again by the next compaction.
 */
export class KeyShredder {
  private tail: Promise<void> = Promise.resolve();
  private failed: Destruction[] = [];
  private queued = 0;

  constructor(
    private readonly keys: KeyDestroyer,
    private readonly onFailure: (arn: string, error: unknown) => void,
  ) {}

  shred(destruction: Destruction): void {
    this.queued++;
    this.tail = this.tail.then(async () => {
      try {
        // The keys of one event are independent: destroy them a few at a time rather than one by one.
        const pending = [...(destruction.versionIds ?? [])];
        const worker = async (): Promise<void> => {
          for (let versionId = pending.shift(); versionId !== undefined; versionId = pending.shift())
            await this.keys.destroy(destruction.arn, versionId);
        };
        await Promise.all(Array.from({ length: Math.min(CONCURRENT_DESTROYS, pending.length) }, worker));
        if (destruction.secretKeysBelow !== undefined)
          await this.keys.retireSecretKeys(destruction.arn, destruction.secretKeysBelow);
        if (destruction.copiesBelow !== undefined)
          await this.keys.retireCopies(destruction.arn, destruction.copiesBelow);
      } catch (e) {
        this.failed.push(destruction);
        this.onFailure(destruction.arn, e);
      } finally {
        this.queued--;
      }
    });
  }

  /**
   * Whether every destruction handed over is done, none failing: only then may the projection's checkpoint
   * move past them (a restart from a checkpoint does not read those deletions again).
   */
  get settled(): boolean {
    return this.queued === 0 && this.failed.length === 0;
  }

  /** Queues again every destruction that failed, and resolves when the queue is through. */
  retryFailed(): Promise<void> {
    for (const destruction of this.failed.splice(0)) this.shred(destruction);
    return this.whenIdle();
  }

  /** Resolves once every destruction handed over so far is done (or has failed). */
  whenIdle(): Promise<void> {
    return this.tail;
  }

  /** How many destructions wait for a retry. */
  get failures(): number {
    return this.failed.length;
  }
}
