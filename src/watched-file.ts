import { statSync } from "node:fs";

/**
 * A file the service reads again whenever it changes on disk (principals, keyring), so an operator's edit
 * takes effect without a restart. The file is looked at (one stat) at most once per turn of the event loop:
 * every request handled in the same turn sees the same reading, and the first one after an edit sees the edit.
 * A file that no longer parses is reported and the last good reading kept, so a half-made edit never opens or
 * closes anything by accident.
 */
export class WatchedFile<T> {
  private stamp: string;
  private value: T;
  private readonly listeners: Array<(value: T) => void> = [];
  /** Set while the reading is this turn's; cleared by the next turn (a stat per request cost 5 % of a read). */
  private looked = false;
  private readonly lookAgain = (): void => {
    this.looked = false;
  };

  constructor(
    private readonly path: string,
    private readonly read: (path: string) => T,
    /** What the file means while it does not exist. */
    private readonly whenAbsent: () => T,
    private readonly onReloadError: (path: string, error: unknown) => void,
  ) {
    this.stamp = this.stampNow();
    this.value = this.stamp === "" ? whenAbsent() : read(path);
  }

  current(): T {
    if (this.looked) return this.value;
    this.looked = true;
    setImmediate(this.lookAgain);
    const stamp = this.stampNow();
    if (stamp === this.stamp) return this.value;
    try {
      this.value = stamp === "" ? this.whenAbsent() : this.read(this.path);
      this.stamp = stamp;
      for (const listener of this.listeners) listener(this.value);
    } catch (e) {
      this.onReloadError(this.path, e);
      this.stamp = stamp;
    }
    return this.value;
  }

  /** Told of every new reading (not of the first). */
  onChange(listener: (value: T) => void): void {
    this.listeners.push(listener);
  }

  private stampNow(): string {
    const s = statSync(this.path, { bigint: true, throwIfNoEntry: false });
    return s === undefined ? "" : `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  }
}
