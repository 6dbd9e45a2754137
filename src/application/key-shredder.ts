import type { SecretDeleted, VersionsPruned } from "../domain/events.js";
import type { KeyStore } from "../store/key-store.js";

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
        for (const versionId of deleted.versionIds) await this.keys.destroy(deleted.arn, versionId);
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
