import { statSync } from "node:fs";

/**
 * A file the service reads again whenever it changes on disk (principals, keyring), so an operator's edit
 * takes effect without a restart. Each `current()` costs one stat; a file that no longer parses is reported
 * and the last good reading kept, so a half-made edit never opens or closes anything by accident.
 */
export class WatchedFile<T> {
  private stamp: string;
  private value: T;
  private readonly listeners: Array<(value: T) => void> = [];

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
