import type { SecretEvent } from "../src/domain/events.js";
import type { SecretReference } from "../src/domain/queries.js";
import {
  fold,
  initialState,
  stagesOf,
  type ActiveSecret,
  type SecretState,
  type Version,
} from "../src/domain/state.js";
import type { StagingLabel } from "../src/domain/types.js";
import { SecretIndex } from "./secret-index.js";

/**
 * How long the listings' index is made for between two turns of the event loop while it is first made (reading
 * a checkpoint's entry and indexing it take about 30 µs a secret): what a request waits for at most meanwhile.
 */
const SLICE_MS = 5;

/** One secret as folded from its subject, with the stream sequence of the last record on that subject. */
export type CatalogEntry = { readonly state: SecretState; readonly subjectSeq: number };

/**
 * The names of a checkpoint's entries, each entry by its place there, found without a Map of them all (a start
 * would spend a second filling a Map of a million names; see checkpoint-names.ts).
 */
export type RestoredNames = {
  readonly size: number;
  /** How many of their secrets exist (from the names section alone). */
  readonly existing: number;
  /** The place of `name`'s entry; -1 if the checkpoint holds none. */
  find(name: string): number;
  nameAt(at: number): string;
};

/** The entries of a checkpoint, each by its place there (see catalog-snapshot.ts): decoded, or as they are kept. */
export type KeptEntries = {
  readonly entry: (at: number) => CatalogEntry;
  readonly bytes: (at: number) => Uint8Array;
  /** How many versions the entry holds, undefined if its secret does not exist: from its layout, not decoded. */
  readonly versions: (at: number) => number | undefined;
  /** Called once every entry is read: the checkpoint is let go of. */
  readonly done: () => void;
};

/**
 * The read model of every secret in a region, folded from the log with the decider's own `evolve`. It is pure:
 * a log follower feeds it records in stream order, and it tells waiters when it has applied a sequence.
 */
export class SecretCatalog {
  /** Each secret's entry, but for those of the checkpoint restored from. */
  private secrets = new Map<string, CatalogEntry>();
  /** The checkpoint restored from: its names, and each of their entries once read (undefined until then). */
  private restoredFrom:
    { readonly names: RestoredNames; readonly entries: Array<CatalogEntry | undefined> } | undefined;
  /** The checkpoint's entries while some are not read yet, and how many. */
  private unread: { readonly kept: KeptEntries; left: number } | undefined;
  private applied = 0;
  private existing = 0;
  private waiters: Array<{ readonly seq: number; readonly resolve: () => void }> = [];
  /** The listings' index: made a slice at a time once asked for (a restart does not wait for it), then kept. */
  private listing: { readonly index: SecretIndex; readonly ready: Promise<SecretIndex> } | undefined;
  /** While the index is being made: the states in it so far (a change to one of them is a change of the index). */
  private indexedStates: WeakSet<ActiveSecret> | undefined;

  /** A catalog as a snapshot kept it: the secrets folded up to `checkpoint` (see catalog-snapshot.ts). */
  static restored(checkpoint: number, entries: ReadonlyArray<readonly [string, CatalogEntry]>): SecretCatalog {
    const catalog = new SecretCatalog();
    for (const [name, entry] of entries) {
      catalog.secrets.set(name, entry);
      if (entry.state.status === "active") catalog.existing++;
    }
    catalog.applied = checkpoint;
    return catalog;
  }

  /**
   * A catalog as a checkpoint keeps it, its entries read only when first needed: `names`, where each secret's
   * entry is among `kept`.
   */
  static restoredLazily(checkpoint: number, names: RestoredNames, kept: KeptEntries): SecretCatalog {
    const catalog = new SecretCatalog();
    catalog.restoredFrom = { names, entries: new Array<CatalogEntry | undefined>(names.size) };
    catalog.existing = names.existing;
    catalog.applied = checkpoint;
    if (names.size > 0) catalog.unread = { kept, left: names.size };
    return catalog;
  }

  /** Every secret name the log has seen, with its entry: what a snapshot keeps. */
  *entries(): Iterable<readonly [string, CatalogEntry]> {
    for (const [name, entry] of this.placed()) yield [name, typeof entry === "number" ? this.read(entry) : entry];
  }

  /** As `entries`, an entry not read since the checkpoint as the bytes it is there: what the next checkpoint keeps. */
  *keptEntries(): Iterable<readonly [string, CatalogEntry | Uint8Array]> {
    for (const [name, entry] of this.placed())
      yield [name, typeof entry === "number" ? (this.unread as { kept: KeptEntries }).kept.bytes(entry) : entry];
  }

  /**
   * Every secret name the log has seen, the checkpoint's first, with its entry: a number, the place of an entry of
   * the checkpoint not read yet.
   */
  private *placed(): Iterable<readonly [string, CatalogEntry | number]> {
    const restored = this.restoredFrom;
    if (restored !== undefined)
      for (let at = 0; at < restored.names.size; at++) {
        yield [restored.names.nameAt(at), restored.entries[at] ?? at];
      }
    yield* this.secrets;
  }

  /** Whether entries of the checkpoint restored from are still to be read. */
  get reading(): boolean {
    return this.unread !== undefined;
  }

  /** The stream sequence of the last record applied (or passed over): the projection's checkpoint. */
  get checkpoint(): number {
    return this.applied;
  }

  apply(seq: number, secretName: string, events: ReadonlyArray<SecretEvent>): void {
    // Delivery is at least once: a record at or below the checkpoint was applied already.
    if (seq <= this.applied) return;
    const at = this.placeOf(secretName);
    const before = this.gotAt(at, secretName)?.state ?? initialState;
    const after = fold(events, before, seq);
    this.existing += (after.status === "active" ? 1 : 0) - (before.status === "active" ? 1 : 0);
    // A new name is kept as the state's own string, not a second copy of it (a Map keeps the key it was given first).
    const key = after.status === "active" && after.name === secretName ? after.name : secretName;
    const entry = { state: after, subjectSeq: seq };
    if (this.restoredFrom === undefined || at === -1) this.secrets.set(key, entry);
    else this.restoredFrom.entries[at] = entry;
    this.reindex(before, after);
    this.advance(seq);
  }

  /** A record that cannot be read still moves the checkpoint, so readers do not wait for it forever. */
  passOver(seq: number): void {
    if (seq > this.applied) this.advance(seq);
  }

  /** Resolves once every record up to `seq` is applied: read-your-writes for whoever appended `seq`. */
  whenCaughtUp(seq: number): Promise<void> {
    if (seq <= this.applied) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Names of the secrets whose recovery window has ended by `now`: deletions for the service to complete. */
  *dueDeletions(now: number): Iterable<string> {
    for (const [name, { state }] of this.entries())
      if (state.status === "active" && state.deletion !== undefined && state.deletion.deletionDate <= now) yield name;
  }

  /** How many secrets exist, scheduled for deletion or not: what the secrets-per-region quota counts. */
  get secretCount(): number {
    return this.existing;
  }

  /**
   * The index listings use (every secret that exists in each sort order, and what filters look up), once made:
   * the first call starts making it, SLICE_MS at a time between other work.
   */
  indexed(): Promise<SecretIndex> {
    if (this.listing === undefined) {
      const index = new SecretIndex();
      this.indexedStates = new WeakSet();
      // The checkpoint's entries by their place, then the others (a secret new since goes in as it is made).
      const restored = this.restoredFrom;
      const fromCheckpoint = restored?.names.size ?? 0;
      const names = [...this.secrets.keys()];
      const stateAt = (k: number): SecretState | undefined =>
        k < fromCheckpoint
          ? (restored?.entries[k] ?? this.read(k)).state
          : this.secrets.get(names[k - fromCheckpoint] as string)?.state;
      const ready = new Promise<SecretIndex>((resolve, reject) => {
        const slice = (from: number): void => {
          const until = performance.now() + SLICE_MS;
          let next = from;
          try {
            for (; next < fromCheckpoint + names.length && (next % 64 !== 0 || performance.now() < until); next++) {
              const state = stateAt(next);
              // Changed since the index began: the change went into it already.
              if (state?.status !== "active" || this.indexedStates?.has(state) === true) continue;
              index.update(initialState, state);
              this.indexedStates?.add(state);
            }
          } catch (e) {
            // An entry of the checkpoint restored from that cannot be read: no index, listings fail.
            reject(e instanceof Error ? e : new Error(String(e)));
            return;
          }
          if (next < fromCheckpoint + names.length) setImmediate(() => slice(next));
          else {
            this.indexedStates = undefined;
            resolve(index);
          }
        };
        setImmediate(() => slice(0));
      });
      this.listing = { index, ready };
    }
    return this.listing.ready;
  }

  /** A secret's change, into the index: once made, or while being made if the index holds the secret already. */
  private reindex(before: SecretState, after: SecretState): void {
    if (this.listing === undefined) return;
    const indexing = this.indexedStates;
    if (indexing !== undefined && before.status === "active" && !indexing.has(before)) return;
    this.listing.index.update(before, after);
    if (indexing !== undefined && after.status === "active") indexing.add(after);
  }

  /**
   * The names of the secrets holding more than `keep` versions: those the compactor looks at. An entry of the
   * checkpoint not read yet is counted from its bytes, not decoded.
   */
  *crowded(keep: number): Iterable<string> {
    for (const [name, entry] of this.placed()) {
      if (typeof entry !== "number") {
        if (entry.state.status === "active" && entry.state.versions.size > keep) yield name;
        continue;
      }
      const versions = (this.unread as { kept: KeptEntries }).kept.versions(entry);
      if (versions !== undefined && versions > keep) yield name;
    }
  }

  /** Every secret that exists (scheduled for deletion or not). */
  *allSecrets(): Iterable<ActiveSecret> {
    for (const [, { state }] of this.entries()) if (state.status === "active") yield state;
  }

  entry(name: string): CatalogEntry {
    return this.got(name) ?? { state: initialState, subjectSeq: 0 };
  }

  /** The secret a SecretId names: its name, its full ARN, or its partial ARN. */
  resolve(reference: SecretReference): { readonly name: string; readonly entry: CatalogEntry } | undefined {
    const name = resolveReference(reference, (n) => {
      const state = this.got(n)?.state;
      return state?.status === "active" ? state : undefined;
    });
    const entry = name === undefined ? undefined : this.got(name);
    return name === undefined || entry === undefined ? undefined : { name, entry };
  }

  private got(name: string): CatalogEntry | undefined {
    return this.gotAt(this.placeOf(name), name);
  }

  /** The place of `name`'s entry among the checkpoint's; -1 if it is not there (a secret new since, or no checkpoint). */
  private placeOf(name: string): number {
    return this.restoredFrom?.names.find(name) ?? -1;
  }

  /** `name`'s entry, at `at` among the checkpoint's (placeOf): a name is there or in the Map, never both. */
  private gotAt(at: number, name: string): CatalogEntry | undefined {
    return at === -1 ? this.secrets.get(name) : (this.restoredFrom?.entries[at] ?? this.read(at));
  }

  /** The checkpoint's entry at `at` there, read and kept; the checkpoint let go of once all are read. */
  private read(at: number): CatalogEntry {
    const unread = this.unread as { readonly kept: KeptEntries; left: number };
    const entry = unread.kept.entry(at);
    (this.restoredFrom as { entries: Array<CatalogEntry | undefined> }).entries[at] = entry;
    if (--unread.left === 0) {
      this.unread = undefined;
      unread.kept.done();
    }
    return entry;
  }

  private advance(seq: number): void {
    this.applied = seq;
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.seq <= seq);
    this.waiters = this.waiters.filter((w) => w.seq > seq);
    for (const w of ready) w.resolve();
  }
}

/**
 * The name of the secret a SecretId names among those `find` knows: by name, by full ARN (the name and its
 * six-character suffix), or by partial ARN (the name alone). As on AWS, an ARN whose name part ends in a hyphen
 * and six characters is read as a full ARN only: a secret whose name ends so is not found by its partial ARN.
 */
export const resolveReference = (
  reference: SecretReference,
  find: (name: string) => ActiveSecret | undefined,
): string | undefined => {
  switch (reference.kind) {
    case "foreign":
      return undefined;
    case "name":
      return find(reference.name) === undefined ? undefined : reference.name;
    case "arn": {
      const { suffixed } = reference;
      if (suffixed !== undefined)
        return find(suffixed.name)?.arn.endsWith(`-${suffixed.suffix}`) === true ? suffixed.name : undefined;
      return find(reference.name) === undefined ? undefined : reference.name;
    }
    default: {
      const unknownReference: never = reference;
      return unknownReference;
    }
  }
};

/** A version as the views show it: with the labels it carries now. */
export type VersionView = Version & { readonly stages: ReadonlyArray<StagingLabel> };

/** The version index of one secret: every version, newest first, with its labels (empty: deprecated). */
export const versionIndex = (secret: ActiveSecret): ReadonlyArray<VersionView> =>
  [...secret.versions.values()].reverse().map((v) => ({ ...v, stages: stagesOf(secret, v.versionId) }));
