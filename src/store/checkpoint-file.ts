import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, renameSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { entryFromLine, entryLine, frozenEntries } from "../../projections/catalog-snapshot.js";
import { SecretCatalog, type CatalogEntry } from "../../projections/secret-catalog.js";

// The projection's checkpoint on disk: one line of JSON per secret, then a trailer line (format, which log, the
// position, the SHA-256 of the lines before it). Written a chunk at a time, so a large catalog does not stop the
// service while it is written, to a new file renamed over the old one; mode 0600: it holds names, tags and policies.
// Anything wrong with it (missing, damaged, of an older format, for another log, ahead of the log) means a full
// replay, which writes the next one.

/** 3: versions hold where their values are in the log, not the values (2: the values, with their ciphertext). */
const FORMAT = 3;
const ENTRIES_PER_CHUNK = 500;

/** Which log a checkpoint belongs to: a stream of the same name made anew is another log. */
export type LogIdentity = { readonly stream: string; readonly created: string; readonly lastSeq: number };

const Trailer = t.type({
  format: t.literal(FORMAT),
  stream: t.string,
  created: t.string,
  checkpoint: t.number,
  secrets: t.number,
  sha256: t.string,
});

/** Where the service keeps its projection's checkpoint for a region. */
export const checkpointPath = (dataDir: string, region: string): string =>
  join(dataDir, "projections", `catalog-${region}.checkpoint`);

export const writeCheckpoint = async (path: string, log: LogIdentity, catalog: SecretCatalog): Promise<void> => {
  const { checkpoint, entries } = frozenEntries(catalog);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, "w", 0o600);
  const hash = createHash("sha256");
  try {
    for (let i = 0; i < entries.length; i += ENTRIES_PER_CHUNK) {
      const chunk = entries
        .slice(i, i + ENTRIES_PER_CHUNK)
        .map(([name, entry]) => entryLine(name, entry) + "\n")
        .join("");
      hash.update(chunk);
      await file.write(chunk);
    }
    const trailer = { format: FORMAT, stream: log.stream, created: log.created, checkpoint, secrets: entries.length };
    await file.write(JSON.stringify({ ...trailer, sha256: hash.digest("hex") }) + "\n");
  } finally {
    await file.close();
  }
  renameSync(temporary, path);
};

/**
 * The catalog the checkpoint holds, or why there is none to use. Read a line at a time: the entries are decoded as
 * they come and the hash taken on the way; the last line is the trailer, which must then vouch for them all.
 */
export const readCheckpoint = async (path: string, log: LogIdentity): Promise<E.Either<string, SecretCatalog>> => {
  if (!existsSync(path)) return E.left("no checkpoint");
  const hash = createHash("sha256");
  const entries: Array<readonly [string, CatalogEntry]> = [];
  let pending: string | undefined;
  let damaged: string | undefined;
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (pending !== undefined && damaged === undefined) {
      hash.update(pending + "\n");
      const entry = entryFromLine(pending);
      if (E.isLeft(entry)) damaged = `the checkpoint is damaged: ${entry.left}`;
      else entries.push(entry.right);
    }
    pending = line;
  }
  let trailer: unknown;
  try {
    trailer = JSON.parse(pending ?? "");
  } catch {
    return E.left("the checkpoint is damaged: no trailer");
  }
  const decoded = Trailer.decode(trailer);
  if (E.isLeft(decoded)) {
    const format = (trailer as { format?: unknown } | null)?.format;
    return E.left(
      typeof format === "number" && format < FORMAT
        ? `the checkpoint is of an older format (${format})`
        : "the checkpoint is of an unknown format",
    );
  }
  const { stream, created, checkpoint, secrets, sha256 } = decoded.right;
  if (stream !== log.stream || created !== log.created) return E.left("the checkpoint is of another log");
  if (damaged === undefined && hash.digest("hex") !== sha256) return E.left("the checkpoint is damaged: checksum");
  if (damaged !== undefined) return E.left(damaged);
  if (checkpoint > log.lastSeq) return E.left("the checkpoint is ahead of the log");
  if (entries.length !== secrets) return E.left("the checkpoint is damaged: secrets missing");
  return E.right(SecretCatalog.restored(checkpoint, entries));
};
