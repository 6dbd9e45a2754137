import type { StagingLabel, VersionId } from "./types.js";
import { bitOf, LABEL_BITS, SecretVersions } from "./versions.js";

/**
 * A secret's staging labels, each on the version that carries it. AWS's three are bits of the versions' records
 * (`versions`, the secret's versions themselves: a label moved is a record changed); any other label, or one on a
 * version that is not there, is a label and a version id in turn in `others`.
 */
export class SecretLabels implements ReadonlyMap<StagingLabel, VersionId> {
  static readonly none = new SecretLabels(SecretVersions.none, []);

  private constructor(
    /** The versions whose records carry AWS's labels: the secret's versions. */
    readonly versions: SecretVersions,
    private readonly others: ReadonlyArray<string>,
  ) {}

  /**
   * The labels of `pairs` over `versions`, whose records carry AWS's labels already; undefined if they do not
   * carry exactly those of `pairs`.
   */
  static restored(
    versions: SecretVersions,
    pairs: Iterable<readonly [StagingLabel, VersionId]>,
  ): SecretLabels | undefined {
    const others: string[] = [];
    let carried = 0;
    for (const [label, versionId] of pairs) {
      const bit = bitOf(label);
      const holder = bit === 0 ? -1 : versions.labelHolder(bit);
      if (holder >= 0 && versions.idAt(holder) === versionId) carried |= bit;
      else others.push(label, versionId);
    }
    return carried === versions.labelBits() ? new SecretLabels(versions, others) : undefined;
  }

  get size(): number {
    return this.others.length / 2 + LABEL_BITS.filter((_, i) => this.versions.labelHolder(1 << i) >= 0).length;
  }

  get [Symbol.toStringTag](): string {
    return "SecretLabels";
  }

  has(label: StagingLabel): boolean {
    return this.get(label) !== undefined;
  }

  get(label: StagingLabel): VersionId | undefined {
    const bit = bitOf(label);
    const holder = bit === 0 ? -1 : this.versions.labelHolder(bit);
    if (holder >= 0) return this.versions.idAt(holder);
    const i = indexOf(this.others, label);
    return i < 0 ? undefined : (this.others[i + 1] as VersionId);
  }

  /** These labels over `versions`: the secret's versions changed, their records carrying the labels they did. */
  over(versions: SecretVersions): SecretLabels {
    return new SecretLabels(versions, this.others);
  }

  /**
   * These labels with `label` on version `versionId` (undefined: on none), as Map.set and Map.delete do; its
   * `versions` are the secret's versions with the label moved.
   */
  with(label: StagingLabel, versionId: VersionId | undefined): SecretLabels {
    return this.moved([[label, versionId]]);
  }

  /** These labels with each move made in turn, as `with` makes one (the versions' records written once for all). */
  moved(moves: ReadonlyArray<readonly [StagingLabel, VersionId | undefined]>): SecretLabels {
    let others = this.others;
    const bits: [number, number][] = [];
    for (const [label, versionId] of moves) {
      const i = indexOf(others, label);
      if (i >= 0) others = [...others.slice(0, i), ...others.slice(i + 2)];
      const bit = bitOf(label);
      const to = bit === 0 || versionId === undefined ? -1 : this.versions.indexOf(versionId);
      if (versionId !== undefined && to < 0) others = [...others, label, versionId];
      if (bit !== 0) bits.push([bit, to]);
    }
    const versions = bits.length === 0 ? this.versions : this.versions.withLabels(bits);
    return versions === this.versions && others === this.others ? this : new SecretLabels(versions, others);
  }

  /** These labels over the versions but those of `removed`: a label on one of those stays, on a version not there. */
  without(removed: ReadonlySet<VersionId>): SecretLabels {
    const others = [...this.others];
    LABEL_BITS.forEach((label, i) => {
      const holder = this.versions.labelHolder(1 << i);
      if (holder >= 0 && removed.has(this.versions.idAt(holder))) others.push(label, this.versions.idAt(holder));
    });
    return new SecretLabels(this.versions.without(removed), others);
  }

  *entries(): MapIterator<[StagingLabel, VersionId]> {
    for (const [i, label] of LABEL_BITS.entries()) {
      const holder = this.versions.labelHolder(1 << i);
      if (holder >= 0) yield [label, this.versions.idAt(holder)];
    }
    for (let i = 0; i < this.others.length; i += 2)
      yield [this.others[i] as StagingLabel, this.others[i + 1] as VersionId];
    return undefined;
  }

  *keys(): MapIterator<StagingLabel> {
    for (const [label] of this.entries()) yield label;
    return undefined;
  }

  *values(): MapIterator<VersionId> {
    for (const [, versionId] of this.entries()) yield versionId;
    return undefined;
  }

  [Symbol.iterator](): MapIterator<[StagingLabel, VersionId]> {
    return this.entries();
  }

  forEach(each: (value: VersionId, key: StagingLabel, map: ReadonlyMap<StagingLabel, VersionId>) => void): void {
    for (const [label, versionId] of this) each(versionId, label, this);
  }
}

/** Where `label` is among labels and version ids in turn (-1: it is not). */
const indexOf = (others: ReadonlyArray<string>, label: string): number => {
  for (let i = 0; i < others.length; i += 2) if (others[i] === label) return i;
  return -1;
};
