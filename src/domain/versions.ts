import type { KeyPlace, Millis, SealedValue, StagingLabel, ValueRef, VersionId } from "./types.js";
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from "./types.js";

// A secret's versions as the projection keeps them, a million secrets at a time. A Map of version objects cost
// about 280 bytes a version (the Map's table, the version, its value's place, the id and the fingerprint as strings
// of their own); packed, a version is one record of RECORD bytes in one string of one-byte characters per secret (a
// string: immutable, as states are, and 16 bytes of overhead), AWS's labels on it included (secret-labels.ts). It
// reads as the ReadonlyMap it replaces; a version is made into an object only when it is read.

export type Version = {
  readonly versionId: VersionId;
  readonly createdAt: Millis;
  /**
   * Absent while the version is empty: made by RotateSecret, not yet filled by its rotation function. The value
   * itself (its ciphertext) stays in the log record `value.seq`.
   */
  readonly value?: ValueRef;
  /** Midnight (UTC) of the last day this version was read. */
  readonly lastAccessedDay?: Millis;
};

// A record: flags; when it was created (ms) and its value's log record (6 bytes each, big-endian), the day it was
// last read and its data key's epoch (4 bytes each); the id's 16 bytes, the fingerprint's 32; which of AWS's three
// labels the version carries (a bit each). An id that is not a UUID in lower case, or a fingerprint that is not 32
// bytes of base64, is kept in the `odd` strings instead, its place there in the field's first 4 bytes; numbers that
// do not fit (none the service writes) likewise, the four as one JSON array, its place in the first number's.
const HAS_VALUE = 1;
const BINARY = 2;
const KEY_IN_LOG = 4;
const ODD_ID = 8;
const ODD_FINGERPRINT = 16;
const ACCESSED = 32;
const IN_LOG = 64;
const ODD_NUMBERS = 128;
const CREATED_AT = 1;
const SEQ = 7;
const ACCESSED_DAY = 13;
const EPOCH = 17;
const ID = 21;
const FINGERPRINT = 37;
const LABELS = 69;
/** The bytes a version takes. */
export const RECORD = 70;
const DAY = 24 * 60 * 60 * 1000;
const fitsIn = (n: number, bytes: number): boolean => Number.isInteger(n) && n >= 0 && n < 2 ** (8 * bytes);
/** The labels a record carries as bits: 1, 2 and 4. */
export const LABEL_BITS: ReadonlyArray<StagingLabel> = [AWSCURRENT, AWSPREVIOUS, AWSPENDING];
/** The bit AWS label `label` is in a record (0: it is not one of those). */
export const bitOf = (label: string): number => {
  const i = LABEL_BITS.indexOf(label as StagingLabel);
  return i < 0 ? 0 : 1 << i;
};

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
/** A hex digit's value by its character code (lower case only), -1 for any other character. */
const DIGIT = Array.from({ length: 128 }, (_, c) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1));
/** Where a UUID's 32 digits are (its hyphens at 8, 13, 18 and 23). */
const DIGITS = Array.from({ length: 36 }, (_, i) => i).filter((i) => ![8, 13, 18, 23].includes(i));
const idBytes = Buffer.alloc(16);

const scratch = Buffer.alloc(RECORD);
/** Where `with` writes a secret's versions before reading them out as a string (the size of 100 versions). */
const spare = Buffer.alloc(100 * RECORD);

/** The 16 characters a UUID packs into, or undefined if `id` is not one in lower case. */
const packedId = (id: string): string | undefined => {
  if (id === lastId) return lastPacked;
  if (id.length !== 36 || id[8] !== "-" || id[13] !== "-" || id[18] !== "-" || id[23] !== "-") return undefined;
  for (let b = 0; b < 16; b++) {
    const high = DIGIT[id.charCodeAt(DIGITS[2 * b] as number)] ?? -1;
    const low = DIGIT[id.charCodeAt(DIGITS[2 * b + 1] as number)] ?? -1;
    if (high < 0 || low < 0) return undefined;
    idBytes[b] = high * 16 + low;
  }
  // A fold looks the same id up several times in a row (its version, then the labels moved onto it).
  lastId = id;
  lastPacked = idBytes.toString("latin1");
  return lastPacked;
};
let lastId = "";
let lastPacked: string | undefined;

/**
 * Writes the 32 bytes `fingerprint` packs into at `at` of `into`; false (and nothing to keep there) if it is not 32
 * bytes of base64 as node writes it.
 */
const packFingerprint = (fingerprint: string, into: Buffer, at: number): boolean =>
  fingerprint.length === 44 &&
  into.write(fingerprint, at, 32, "base64") === 32 &&
  into.toString("base64", at, at + 32) === fingerprint;

/** The place of a data key in the log under epoch `epoch`: one object per epoch, shared by the versions. */
const logPlaces: KeyPlace[] = [];
const KEY_STORE: KeyPlace = { in: "key-store" };
const logPlace = (epoch: number): KeyPlace =>
  Number.isInteger(epoch) && epoch >= 0 && epoch < 1 << 20
    ? (logPlaces[epoch] ??= { in: "log", epoch })
    : { in: "log", epoch };

/** Where a value's data key is, from the key ref it was sealed with: what the projection keeps of it. */
export const keyPlaceOf = (key: SealedValue["key"]): KeyPlace =>
  key.in === "key-store" ? KEY_STORE : logPlace(key.epoch);

export class SecretVersions implements ReadonlyMap<VersionId, Version> {
  static readonly none = new SecretVersions("", []);

  private constructor(
    /** One record per version, in creation order. */
    private readonly packed: string,
    /** The ids, fingerprints and numbers that do not pack; a record names its own by their place here. */
    private readonly odd: ReadonlyArray<string>,
  ) {}

  static of(versions: Iterable<Version>): SecretVersions {
    let made = SecretVersions.none;
    for (const version of versions) made = made.with(version);
    return made;
  }

  /** Versions as `data` gave them (see `data`), or undefined if they are not versions of this form. */
  static fromData(data: { readonly records: string; readonly odd: ReadonlyArray<string> }): SecretVersions | undefined {
    const packed = data.records;
    if (packed.length % RECORD !== 0) return undefined;
    const versions = new SecretVersions(packed, data.odd);
    let labels = 0;
    for (let i = 0; i < versions.size; i++) {
      const bits = packed.charCodeAt(i * RECORD + LABELS);
      if (bits >= 1 << LABEL_BITS.length || (labels & bits) !== 0) return undefined;
      labels |= bits;
      const flags = packed.charCodeAt(i * RECORD);
      if ((flags & HAS_VALUE) === 0 && (flags & ~(ODD_ID | ACCESSED | ODD_NUMBERS)) !== 0) return undefined;
      if ((flags & ODD_NUMBERS) !== 0 && versions.oddAt(i, CREATED_AT) === undefined) return undefined;
      if ((flags & ODD_ID) !== 0 && versions.oddAt(i, ID) === undefined) return undefined;
      if ((flags & ODD_FINGERPRINT) !== 0 && versions.oddAt(i, FINGERPRINT) === undefined) return undefined;
    }
    return versions;
  }

  /** The versions as data for a checkpoint: the records (a byte a character), and the strings that do not pack. */
  data(): { readonly records: string; readonly odd: ReadonlyArray<string> } {
    return { records: this.packed, odd: this.odd };
  }

  get size(): number {
    return this.packed.length / RECORD;
  }

  get [Symbol.toStringTag](): string {
    return "SecretVersions";
  }

  has(versionId: VersionId): boolean {
    return this.indexOf(versionId) >= 0;
  }

  get(versionId: VersionId): Version | undefined {
    const i = this.indexOf(versionId);
    return i < 0 ? undefined : this.at(i, versionId);
  }

  /** Whether every version with a value has it in the log (none is the outcome of a command not yet appended). */
  allInLog(): boolean {
    for (let i = 0; i < this.size; i++) {
      const flags = this.packed.charCodeAt(i * RECORD);
      if ((flags & HAS_VALUE) !== 0 && (flags & IN_LOG) === 0) return false;
    }
    return true;
  }

  /**
   * Where the versions' data keys are, without reading the versions: the lowest epoch of the secret's keys one is
   * beside its value under (Infinity: none), and whether one is kept by version (in the key store).
   */
  dataKeyPlaces(): { readonly lowestEpoch: number; readonly byVersion: boolean } {
    let [lowestEpoch, byVersion] = [Number.POSITIVE_INFINITY, false];
    for (let i = 0; i < this.size; i++) {
      const flags = this.packed.charCodeAt(i * RECORD);
      if ((flags & (HAS_VALUE | KEY_IN_LOG)) === HAS_VALUE) byVersion = true;
      else if ((flags & HAS_VALUE) !== 0) lowestEpoch = Math.min(lowestEpoch, this.numbersAt(i, flags)[3] ?? 0);
    }
    return { lowestEpoch, byVersion };
  }

  /** These versions with `version` added last, or in its place if one of its id is here already (as Map.set). */
  with(version: Version): SecretVersions {
    const i = this.indexOf(version.versionId);
    const added: string[] = [];
    const at = i < 0 ? this.packed.length : i * RECORD;
    const size = i < 0 ? this.packed.length + RECORD : this.packed.length;
    // Written into one buffer and read out as one string: a concatenation would keep its parts.
    const bytes = size <= spare.length ? spare : Buffer.allocUnsafe(size);
    bytes.write(this.packed, 0, "latin1");
    // A version in the place of one of its id keeps the labels that one carries.
    this.record(version, added, i < 0 ? 0 : this.labelBitsAt(i), bytes, at);
    return new SecretVersions(
      bytes.toString("latin1", 0, size),
      added.length === 0 ? this.odd : [...this.odd, ...added],
    );
  }

  /** The version that carries AWS label `bit`, by its place (-1: none). */
  labelHolder(bit: number): number {
    for (let i = 0; i < this.size; i++) if ((this.labelBitsAt(i) & bit) !== 0) return i;
    return -1;
  }

  /** The AWS labels the versions carry, as bits. */
  labelBits(): number {
    let bits = 0;
    for (let i = 0; i < this.size; i++) bits |= this.labelBitsAt(i);
    return bits;
  }

  /**
   * These versions with each move made in turn: AWS label `bit` onto the version at `to` (-1: onto none), off the
   * one that carried it. One string made for them all.
   */
  withLabels(moves: ReadonlyArray<readonly [bit: number, to: number]>): SecretVersions {
    const size = this.packed.length;
    const bytes = size <= spare.length ? spare : Buffer.allocUnsafe(size);
    bytes.write(this.packed, 0, "latin1");
    let changed = false;
    for (const [bit, to] of moves)
      for (let i = 0; i < this.size; i++) {
        const at = i * RECORD + LABELS;
        const carries = ((bytes[at] as number) & bit) !== 0;
        if (carries === (i === to)) continue;
        bytes[at] = (bytes[at] as number) ^ bit;
        changed = true;
      }
    return changed ? new SecretVersions(bytes.toString("latin1", 0, size), this.odd) : this;
  }

  private labelBitsAt(i: number): number {
    return this.packed.charCodeAt(i * RECORD + LABELS);
  }

  /** These versions with version `versionId` changed by `change`, or undefined if there is no such version. */
  changed(versionId: VersionId, change: Partial<Omit<Version, "versionId">>): SecretVersions | undefined {
    const version = this.get(versionId);
    return version === undefined ? undefined : this.with({ ...version, ...change });
  }

  /** These versions but those of `removed`. */
  without(removed: ReadonlySet<VersionId>): SecretVersions {
    let packed = "";
    for (let i = 0; i < this.size; i++)
      if (!removed.has(this.idAt(i))) packed += this.packed.slice(i * RECORD, (i + 1) * RECORD);
    return new SecretVersions(Buffer.from(packed, "latin1").toString("latin1"), this.odd);
  }

  *values(): MapIterator<Version> {
    for (let i = 0; i < this.size; i++) yield this.at(i);
    return undefined;
  }

  *keys(): MapIterator<VersionId> {
    for (let i = 0; i < this.size; i++) yield this.idAt(i);
    return undefined;
  }

  *entries(): MapIterator<[VersionId, Version]> {
    for (let i = 0; i < this.size; i++) {
      const version = this.at(i);
      yield [version.versionId, version];
    }
    return undefined;
  }

  [Symbol.iterator](): MapIterator<[VersionId, Version]> {
    return this.entries();
  }

  forEach(each: (value: Version, key: VersionId, map: ReadonlyMap<VersionId, Version>) => void): void {
    for (const [versionId, version] of this) each(version, versionId, this);
  }

  /** The place of version `versionId` (-1: there is none). */
  indexOf(versionId: string): number {
    const id = packedId(versionId);
    if (id !== undefined) {
      for (let i = 0; i < this.size; i++)
        if ((this.packed.charCodeAt(i * RECORD) & ODD_ID) === 0 && this.packed.startsWith(id, i * RECORD + ID))
          return i;
      return -1;
    }
    for (let i = 0; i < this.size; i++)
      if ((this.packed.charCodeAt(i * RECORD) & ODD_ID) !== 0 && this.oddAt(i, ID) === versionId) return i;
    return -1;
  }

  private at(i: number, versionId: VersionId = this.idAt(i)): Version {
    const flags = this.packed.charCodeAt(i * RECORD);
    const [createdAt, seq, day, epoch] = this.numbersAt(i, flags);
    const lastAccessedDay = (flags & ACCESSED) === 0 ? undefined : day;
    const value: ValueRef | undefined =
      (flags & HAS_VALUE) === 0
        ? undefined
        : {
            kind: (flags & BINARY) === 0 ? "string" : "binary",
            fingerprint: this.fingerprintAt(i, flags),
            key: (flags & KEY_IN_LOG) === 0 ? KEY_STORE : logPlace(epoch ?? 0),
            ...((flags & IN_LOG) === 0 ? {} : { seq: seq ?? 0 }),
          };
    return {
      versionId,
      createdAt: createdAt ?? 0,
      ...(value === undefined ? {} : { value }),
      ...(lastAccessedDay === undefined ? {} : { lastAccessedDay }),
    };
  }

  /** A version's creation time, log sequence, last accessed day and key epoch (in its odd fields when too big). */
  private numbersAt(i: number, flags: number): ReadonlyArray<number | undefined> {
    const base = i * RECORD;
    if ((flags & ODD_NUMBERS) !== 0) return JSON.parse(this.oddAt(i, CREATED_AT) ?? "[]") as number[];
    const [days, epoch] = [this.uint(base + ACCESSED_DAY, 4) * DAY, this.uint(base + EPOCH, 4)];
    return [this.uint(base + CREATED_AT, 6), this.uint(base + SEQ, 6), days, epoch];
  }

  idAt(i: number): VersionId {
    const base = i * RECORD;
    if ((this.packed.charCodeAt(base) & ODD_ID) !== 0) return this.oddAt(i, ID) as VersionId;
    let hex = "";
    for (let b = 0; b < 16; b++) {
      hex += HEX[this.packed.charCodeAt(base + ID + b)];
      if (b === 3 || b === 5 || b === 7 || b === 9) hex += "-";
    }
    return hex as VersionId;
  }

  private fingerprintAt(i: number, flags: number): string {
    if ((flags & ODD_FINGERPRINT) !== 0) return this.oddAt(i, FINGERPRINT) ?? "";
    const at = i * RECORD + FINGERPRINT;
    return Buffer.from(this.packed.slice(at, at + 32), "latin1").toString("base64");
  }

  /** The odd string a record's field names (the place in `odd` in the field's first 4 bytes). */
  private oddAt(i: number, field: number): string | undefined {
    const at = i * RECORD + field;
    for (let b = 0; b < 4; b++) scratch[b] = this.packed.charCodeAt(at + b);
    return this.odd[scratch.readUInt32BE(0)];
  }

  private uint(at: number, bytes: number): number {
    for (let b = 0; b < bytes; b++) scratch[b] = this.packed.charCodeAt(at + b);
    return scratch.readUIntBE(0, bytes);
  }

  /**
   * Writes `version` as a record at `at` of `into`, carrying AWS labels `labels`; the strings that do not pack go
   * to `added` (their places follow this.odd's).
   */
  private record(version: Version, added: string[], labels: number, into: Buffer, at: number): void {
    // A string already among the odd ones is named where it is: a version written again (read on a new day,
    // filled) does not add its id again.
    const odd = {
      push: (s: string): number => {
        const place = this.odd.indexOf(s);
        return place >= 0 ? place + 1 : this.odd.length + added.push(s);
      },
    };
    into.fill(0, at, at + RECORD);
    const { value } = version;
    let flags = 0;
    const id = packedId(version.versionId);
    if (id === undefined) {
      flags |= ODD_ID;
      into.writeUInt32BE(odd.push(version.versionId) - 1, at + ID);
    } else into.write(id, at + ID, "latin1");
    const { createdAt, lastAccessedDay } = version;
    const seq = value?.seq ?? 0;
    const epoch = value?.key.in === "log" ? value.key.epoch : 0;
    const day = (lastAccessedDay ?? 0) / DAY;
    if (lastAccessedDay !== undefined) flags |= ACCESSED;
    if (fitsIn(createdAt, 6) && fitsIn(seq, 6) && fitsIn(day, 4) && fitsIn(epoch, 4)) {
      into.writeUIntBE(createdAt, at + CREATED_AT, 6);
      into.writeUIntBE(seq, at + SEQ, 6);
      into.writeUInt32BE(day, at + ACCESSED_DAY);
      into.writeUInt32BE(epoch, at + EPOCH);
    } else {
      flags |= ODD_NUMBERS;
      into.writeUInt32BE(odd.push(JSON.stringify([createdAt, seq, lastAccessedDay ?? 0, epoch])) - 1, at + CREATED_AT);
    }
    if (value !== undefined) {
      flags |= HAS_VALUE | (value.kind === "binary" ? BINARY : 0);
      if (value.key.in === "log") flags |= KEY_IN_LOG;
      if (value.seq !== undefined) flags |= IN_LOG;
      if (!packFingerprint(value.fingerprint, into, at + FINGERPRINT)) {
        flags |= ODD_FINGERPRINT;
        into.fill(0, at + FINGERPRINT, at + FINGERPRINT + 32);
        into.writeUInt32BE(odd.push(value.fingerprint) - 1, at + FINGERPRINT);
      }
    }
    into[at] = flags;
    into[at + LABELS] = labels;
  }
}
