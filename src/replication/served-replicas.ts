import { SecretIndex } from "../../projections/secret-index.js";
import { initialState, type ActiveSecret } from "../domain/state.js";

/** How many replicas are indexed between two turns of the event loop, once a first pass is over. */
const INDEX_SLICE = 5_000;

/**
 * The replicas a followed region serves, by name: each the primary's last state of it whose keys were all copied
 * here; and the same states as listings go through them (in each order, and by what filters look up: a replica
 * sorts and filters as its primary's secret does). A first pass serves its replicas unindexed (the service does
 * not answer yet), then indexes them a slice at a time; listings wait for it.
 */
export class ServedReplicas {
  private readonly states = new Map<string, ActiveSecret>();
  private readonly index = new SecretIndex();
  /** Whether what is served goes into the index now (not during a first pass). */
  private indexingNow = false;
  /** Until the first pass's replicas are indexed: done. */
  private ready: Promise<void> = Promise.resolve();
  /** While they are being indexed: the states in the index so far (a change to one of them is a change of it). */
  private indexing: WeakSet<ActiveSecret> | undefined;

  get(name: string): ActiveSecret | undefined {
    return this.states.get(name);
  }

  /** Serves the replica of `name` as of the primary's state `state`, or (none) no longer serves one of that name. */
  serve(name: string, state?: ActiveSecret): void {
    const before = this.states.get(name);
    if (state === undefined) {
      if (before === undefined) return;
      this.states.delete(name);
    } else this.states.set(name, state);
    if (!this.indexingNow) return;
    // While the first pass's are being indexed, a state not in the index yet is not taken out of it.
    const indexed = before !== undefined && this.indexing?.has(before) !== false;
    this.index.update(indexed ? before : initialState, state ?? initialState);
    if (state !== undefined) this.indexing?.add(state);
  }

  /** The first pass is over: what it served is indexed, a slice at a time; what is served from now on goes in too. */
  indexAll(): void {
    this.indexingNow = true;
    this.ready = this.indexServed();
  }

  /** The index of the replicas served, once the first pass's are all in it. */
  async indexed(): Promise<SecretIndex> {
    await this.ready;
    return this.index;
  }

  private async indexServed(): Promise<void> {
    const states = [...this.states.values()];
    this.indexing = new WeakSet();
    for (let i = 0; i < states.length; i += INDEX_SLICE) {
      for (const state of states.slice(i, i + INDEX_SLICE))
        if (this.states.get(state.name) === state && !this.indexing.has(state)) {
          this.index.update(initialState, state);
          this.indexing.add(state);
        }
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.indexing = undefined;
  }
}
