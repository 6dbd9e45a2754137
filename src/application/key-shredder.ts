import type { SecretDeleted, VersionsPruned } from "../domain/events.js";
import type { KeyStore } from "../store/key-store.js";

const CONCURRENT_DESTROYS = 16;

/**
 * Destroys data keys: those of every version of a deleted secret, and those of pruned versions, in the order
 * the events appear in the log.
 * Every server that follows the log does it (destroying is idempotent), so a crash between the SecretDeleted
 * event and the destruction is made good when any server next reads that event.
 */
export class KeyShredder {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly keys: KeyStore,
    private readonly onFailure: (arn: string, error: unknown) => void,
  ) {}

  shred(deleted: SecretDeleted["data"] | VersionsPruned["data"]): void {
    this.tail = this.tail.then(async () => {
      try {
        // The keys of one event are independent: destroy them a few at a time rather than one by one.
        const pending = [...deleted.versionIds];
        const worker = async (): Promise<void> => {
          for (let versionId = pending.shift(); versionId !== undefined; versionId = pending.shift())
            await this.keys.destroy(deleted.arn, versionId);
        };
        await Promise.all(Array.from({ length: Math.min(CONCURRENT_DESTROYS, pending.length) }, worker));
      } catch (e) {
        this.onFailure(deleted.arn, e);
      }
    });
  }

  /** Resolves once every deletion handed over so far has had its keys destroyed (or failed). */
  whenIdle(): Promise<void> {
    return this.tail;
  }
}
