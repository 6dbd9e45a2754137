// The composition root starts the service as a list of parts. Each part hands back its `stop`, pushed on one
// stack; shutdown and a start that fails part-way both unwind that stack in reverse.

export type Stop = () => Promise<void> | void;

export type Started<T> = T & { readonly stop: Stop };

export class StopStack {
  private readonly stops: Stop[] = [];

  /** Keeps `part`'s stop for the unwinding, and hands back the part. */
  push<T extends { readonly stop: Stop }>(part: T): T {
    this.stops.push(part.stop);
    return part;
  }

  /** Stops every part in reverse order of starting; each stop runs once, whatever the others do. */
  async unwind(): Promise<void> {
    let first: Error | undefined;
    for (let stop = this.stops.pop(); stop !== undefined; stop = this.stops.pop()) {
      try {
        await stop();
      } catch (e) {
        first ??= e instanceof Error ? e : new Error(String(e));
      }
    }
    if (first !== undefined) throw first;
  }
}
