import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { createHash } from "node:crypto";
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { entryAt, entryBytes, entryExists, frozenEntries, versionsIn } from "../../projections/catalog-snapshot.js";
import { SecretCatalog } from "../../projections/secret-catalog.js";
import { CheckpointNames, placeBytes } from "./checkpoint-names.js";

// The projection's checkpoint on disk: the entries, one per secret (as catalog-snapshot.ts writes them); then the
// names, one per entry (where it is, how long, whether the secret exists, the first 8 bytes of its SHA-256, the
// name); then a line feed and a trailer line of JSON (format, which log, the position, how many secrets, the
// sections' lengths, the SHA-256 of the names). Written a chunk at a time, so a large catalog does not stop the
// service while it is written, to a new file renamed over the old one; mode 0600: it holds names, tags and
// policies. A start reads only the trailer and the names (a million secrets: about 50 MB, against a GB of
// entries), kept as bytes in a table to find them in (checkpoint-names.ts), not made strings in a Map; an entry is
// read, its hash checked and decoded when it is first needed, and the listings' index made after a start reads them
// all, in order. Anything wrong with the names or the trailer (missing, damaged, of an
// older format, for another log, ahead of the log) means a full replay, which writes the next one.

/** 4: entries as bytes, versions packed, names apart (3: a line of JSON each; 2: with the values' ciphertext). */
const FORMAT = 4;
const ENTRIES_PER_CHUNK = 2000;
/** How much of the entries one read takes: the index reads them in order, so one read serves the next ones. */
const WINDOW = 1 << 20;

/** Which log a checkpoint belongs to: a stream of the same name made anew is another log. */
export type LogIdentity = { readonly stream: string; readonly created: string; readonly lastSeq: number };

const Trailer = t.type({
  format: t.literal(FORMAT),
  stream: t.string,
  created: t.string,
  checkpoint: t.number,
  secrets: t.number,
  entryBytes: t.number,
  nameBytes: t.number,
  sha256: t.string,
});

const hash8 = (bytes: Uint8Array): Buffer => createHash("sha256").update(bytes).digest().subarray(0, 8);

/** Where the service keeps its projection's checkpoint for a region. */
export const checkpointPath = (dataDir: string, region: string): string =>
  join(dataDir, "projections", `catalog-${region}.checkpoint`);

export const writeCheckpoint = async (path: string, log: LogIdentity, catalog: SecretCatalog): Promise<void> => {
  const { checkpoint, entries } = frozenEntries(catalog);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, "w", 0o600);
  const names: Buffer[] = [];
  let offset = 0;
  try {
    for (let i = 0; i < entries.length; i += ENTRIES_PER_CHUNK) {
      const chunk = entries.slice(i, i + ENTRIES_PER_CHUNK).map(([name, entry]) => {
        const bytes = entryBytes(name, entry);
        names.push(placeBytes(name, { offset, length: bytes.length, exists: entryExists(bytes), hash: hash8(bytes) }));
        offset += bytes.length;
        return bytes;
      });
      await file.write(Buffer.concat(chunk));
    }
    const nameSection = Buffer.concat(names);
    await file.write(nameSection);
    const trailer = {
      format: FORMAT,
      stream: log.stream,
      created: log.created,
      checkpoint,
      secrets: entries.length,
      entryBytes: offset,
      nameBytes: nameSection.length,
      sha256: createHash("sha256").update(nameSection).digest("hex"),
    };
    await file.write(`\n${JSON.stringify(trailer)}\n`);
  } finally {
    await file.close();
  }
  renameSync(temporary, path);
};

/** The trailer at the end of a checkpoint (the last line), as JSON; undefined if there is none. */
const trailerOf = (fd: number, size: number): unknown => {
  const tail = Buffer.alloc(Math.min(size, 4096));
  readSync(fd, tail, 0, tail.length, size - tail.length);
  const end = tail.length - 1;
  if (end < 0 || tail[end] !== 0x0a) return undefined;
  try {
    return JSON.parse(tail.toString("utf8", tail.lastIndexOf(0x0a, end - 1) + 1, end)) as unknown;
  } catch {
    return undefined;
  }
};

/**
 * The catalog the checkpoint holds, or why there is none to use. The trailer must vouch for the names (their
 * hash); each entry is read when first needed, and its own hash checked then. The file stays open until every
 * entry is read (a checkpoint written meanwhile replaces the name, not this file).
 */
export const readCheckpoint = (path: string, log: LogIdentity): E.Either<string, SecretCatalog> => {
  if (!existsSync(path)) return E.left("no checkpoint");
  const fd = openSync(path, "r");
  let open = true;
  const close = (): void => {
    if (open) closeSync(fd);
    open = false;
  };
  try {
    const setAside = (): void => {
      try {
        renameSync(path, `${path}.damaged`);
      } catch {
        // Set aside already.
      }
    };
    const restored = restoreFrom(fd, fstatSync(fd).size, log, close, setAside);
    if (E.isLeft(restored) || !restored.right.reading) close();
    return restored;
  } catch (e) {
    close();
    throw e;
  }
};

const restoreFrom = (
  fd: number,
  size: number,
  log: LogIdentity,
  close: () => void,
  setAside: () => void,
): E.Either<string, SecretCatalog> => {
  const trailer = trailerOf(fd, size);
  if (trailer === undefined) return E.left("the checkpoint is damaged: no trailer");
  const decoded = Trailer.decode(trailer);
  if (E.isLeft(decoded)) {
    const format = typeof trailer === "object" && trailer !== null && "format" in trailer ? trailer.format : undefined;
    return E.left(
      typeof format === "number" && format < FORMAT
        ? `the checkpoint is of an older format (${format})`
        : "the checkpoint is of an unknown format",
    );
  }
  const { stream, created, checkpoint, secrets, entryBytes, nameBytes, sha256 } = decoded.right;
  if (stream !== log.stream || created !== log.created) return E.left("the checkpoint is of another log");
  const section = Buffer.allocUnsafe(nameBytes);
  if (entryBytes + nameBytes >= size || readSync(fd, section, 0, nameBytes, entryBytes) !== nameBytes)
    return E.left("the checkpoint is damaged: cut short");
  if (createHash("sha256").update(section).digest("hex") !== sha256)
    return E.left("the checkpoint is damaged: checksum");
  const read = CheckpointNames.of(section, secrets, entryBytes);
  if (E.isLeft(read)) return E.left(`the checkpoint is damaged: ${read.left}`);
  if (checkpoint > log.lastSeq) return E.left("the checkpoint is ahead of the log");
  const names = read.right;

  // The entries read last, as one window of the file: in order, one read serves many.
  let window = { from: 0, bytes: Buffer.alloc(0) };
  const bytesOf = (i: number): Buffer => {
    const { from, length, hash } = names.entryAt(i);
    if (from < window.from || from + length > window.from + window.bytes.length) {
      const bytes = Buffer.allocUnsafe(Math.min(Math.max(length, WINDOW), entryBytes - from));
      if (readSync(fd, bytes, 0, bytes.length, from) !== bytes.length)
        throw new Error(`the checkpoint's entry ${i} is cut short`);
      window = { from, bytes };
    }
    const bytes = window.bytes.subarray(from - window.from, from - window.from + length);
    if (!hash8(bytes).equals(hash)) damaged(i, "checksum");
    return bytes;
  };
  // An entry that does not match its hash, or does not decode, is damage (or a fault of this program) found after
  // the start: what needs it fails, and the file is set aside, so that the next start replays the log.
  const damaged = (i: number, why: string): never => {
    setAside();
    throw new Error(`the checkpoint's entry ${i} is damaged: ${why}`);
  };
  return E.right(
    SecretCatalog.restoredLazily(checkpoint, names, {
      entry: (i) => {
        const entry = entryAt(bytesOf(i));
        return E.isLeft(entry) ? damaged(i, entry.left) : entry.right;
      },
      bytes: (i) => Buffer.from(bytesOf(i)),
      versions: (i) => {
        const bytes = bytesOf(i);
        return entryExists(bytes) ? versionsIn(bytes) : undefined;
      },
      done: close,
    }),
  );
};
