import * as E from "fp-ts/lib/Either.js";
import type { RestoredNames } from "../../projections/secret-catalog.js";

// A checkpoint's names section (see checkpoint-file.ts) as a table to find a name in: the section's bytes kept as
// they are, each name's place in them, and an open-addressing table of the names' hashes (FNV-1a over their UTF-8
// bytes). A start then makes no string of the names and no Map of them: a JS Map of a million names takes about
// 0.9 s to fill, and about 1 s more to collect the garbage of doing so, on the machines we measure on; this table
// 0.3-0.45 s (docs/measuring.md). A name asked for is compared byte for byte with the one in the section. The same
// file writes a name's place (placeBytes) and reads it, so the layout is in one place.

/** A name's place: the entry's offset (f64), length (u32), whether the secret exists (u8), hash (8), name's length (u16). */
const PLACE = 8 + 4 + 1 + 8 + 2;
const OFFSET = 0;
const LENGTH = 8;
const EXISTS = 12;
const HASH = 13;
const NAME_LENGTH = 21;

/**
 * A name's place as the section holds it: where its entry is among the entries and how long, whether its secret
 * exists, the first 8 bytes of the entry's SHA-256, the name (UTF-8, after its length).
 */
export const placeBytes = (
  name: string,
  entry: { readonly offset: number; readonly length: number; readonly exists: boolean; readonly hash: Uint8Array },
): Buffer => {
  const nameLength = Buffer.byteLength(name);
  const place = Buffer.alloc(PLACE + nameLength);
  place.writeDoubleLE(entry.offset, OFFSET);
  place.writeUInt32LE(entry.length, LENGTH);
  place.writeUInt8(entry.exists ? 1 : 0, EXISTS);
  place.set(entry.hash.subarray(0, 8), HASH);
  place.writeUInt16LE(nameLength, NAME_LENGTH);
  place.write(name, PLACE, "utf8");
  return place;
};

const FNV_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Whether a[aFrom, aTo) and b[bFrom, bTo) hold the same bytes. */
const same = (a: Uint8Array, aFrom: number, aTo: number, b: Uint8Array, bFrom: number, bTo: number): boolean => {
  if (aTo - aFrom !== bTo - bFrom) return false;
  for (let i = 0; i < aTo - aFrom; i++) if (a[aFrom + i] !== b[bFrom + i]) return false;
  return true;
};

const utf8 = new TextDecoder();

const fnv1a = (bytes: Uint8Array, from: number, to: number): number => {
  let h = FNV_BASIS;
  for (let i = from; i < to; i++) h = Math.imul(h ^ (bytes[i] as number), FNV_PRIME);
  return h;
};

export class CheckpointNames implements RestoredNames {
  /** Where a name asked for is written, as UTF-8, to be hashed and compared: grown as needed. */
  private scratch = Buffer.allocUnsafe(2048);

  private constructor(
    private readonly section: Uint8Array,
    private readonly view: DataView,
    /** Where each entry's place is in the section, by the entry's number. */
    private readonly places: Uint32Array,
    /**
     * Two numbers a slot, the slot by its name's hash: the entry's number + 1 (0: empty), and that hash (side by
     * side, so that a probe touches one place in memory, not two: at a million names, that halves the time).
     */
    private readonly slots: Int32Array,
    readonly existing: number,
  ) {}

  /** The names of a section as the trailer counts them (`secrets`), or why the section is not that. */
  static of(section: Buffer, secrets: number, entryBytes: number): E.Either<string, CheckpointNames> {
    if (section.length >= 2 ** 32) return E.left("a names section too large");
    const places = new Uint32Array(secrets);
    let size = 2;
    while (size < secrets * 2) size *= 2;
    const slots = new Int32Array(2 * size);
    const mask = size - 1;
    const bytes = new Uint8Array(section.buffer, section.byteOffset, section.length);
    const view = new DataView(section.buffer, section.byteOffset, section.length);
    let existing = 0;
    let i = 0;
    for (let at = 0; at < bytes.length; i++) {
      if (i === secrets) return E.left("secrets missing");
      const start = at + PLACE;
      if (start > bytes.length) return E.left("a name cut short");
      const end = start + view.getUint16(at + NAME_LENGTH, true);
      if (end > bytes.length || view.getFloat64(at + OFFSET, true) + view.getUint32(at + LENGTH, true) > entryBytes)
        return E.left("a name cut short");
      const hash = fnv1a(bytes, start, end);
      let slot = hash & mask;
      for (; slots[2 * slot] !== 0; slot = (slot + 1) & mask) {
        if (slots[2 * slot + 1] !== hash) continue;
        const other = (places[(slots[2 * slot] as number) - 1] as number) + PLACE;
        if (same(bytes, start, end, bytes, other, other + view.getUint16(other - PLACE + NAME_LENGTH, true)))
          return E.left("a secret there twice");
      }
      slots[2 * slot] = i + 1;
      slots[2 * slot + 1] = hash;
      places[i] = at;
      existing += bytes[at + EXISTS] === 1 ? 1 : 0;
      at = end;
    }
    if (i !== secrets) return E.left("secrets missing");
    return E.right(new CheckpointNames(bytes, view, places, slots, existing));
  }

  get size(): number {
    return this.places.length;
  }

  find(name: string): number {
    if (this.scratch.length < name.length * 3) this.scratch = Buffer.allocUnsafe(name.length * 3);
    const length = this.scratch.write(name, "utf8");
    const hash = fnv1a(this.scratch, 0, length);
    const mask = this.slots.length / 2 - 1;
    for (let slot = hash & mask; this.slots[2 * slot] !== 0; slot = (slot + 1) & mask) {
      if (this.slots[2 * slot + 1] !== hash) continue;
      const i = (this.slots[2 * slot] as number) - 1;
      const start = (this.places[i] as number) + PLACE;
      if (same(this.scratch, 0, length, this.section, start, start + this.nameLength(i))) return i;
    }
    return -1;
  }

  nameAt(i: number): string {
    const start = (this.places[i] as number) + PLACE;
    return utf8.decode(this.section.subarray(start, start + this.nameLength(i)));
  }

  private nameLength(i: number): number {
    return this.view.getUint16((this.places[i] as number) + NAME_LENGTH, true);
  }

  /** Where entry `i` is among the entries (from, length), and the first 8 bytes of its SHA-256. */
  entryAt(i: number): { readonly from: number; readonly length: number; readonly hash: Buffer } {
    const at = this.places[i] as number;
    return {
      from: this.view.getFloat64(at + OFFSET, true),
      length: this.view.getUint32(at + LENGTH, true),
      hash: Buffer.from(this.section.buffer, this.section.byteOffset + at + HASH, 8),
    };
  }
}
