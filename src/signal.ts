/**
 * Waiting on a condition rather than on time: `when(check)` resolves once `check()` holds, evaluated now and
 * again at each `changed()` of whoever moves the state it reads.
 */
export class Signal {
  private waiters: Array<{ readonly check: () => boolean; readonly resolve: () => void }> = [];

  when(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  changed(): void {
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (w.check()) w.resolve();
      else this.waiters.push(w);
    }
  }
}
