import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { catalogFrom, snapshotOf } from "../../projections/catalog-snapshot.js";
import type { SecretCatalog } from "../../projections/secret-catalog.js";

// The projection's checkpoint on disk: a header line (format, which log, the body's SHA-256), then the catalog
// snapshot. Written atomically (a new file renamed over the old one), mode 0600: it holds names, policies and
// ciphertext. Anything wrong with it (missing, damaged, for another log, ahead of the log) means a full replay.

const FORMAT = 1;

/** Which log a checkpoint belongs to: a stream of the same name made anew is another log. */
export type LogIdentity = { readonly stream: string; readonly created: string; readonly lastSeq: number };

const Header = t.type({ format: t.literal(FORMAT), stream: t.string, created: t.string, sha256: t.string });

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

export const writeCheckpoint = (path: string, log: LogIdentity, catalog: SecretCatalog): void => {
  const body = JSON.stringify(snapshotOf(catalog));
  const header = JSON.stringify({ format: FORMAT, stream: log.stream, created: log.created, sha256: sha256(body) });
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${header}\n${body}`, { mode: 0o600 });
  renameSync(temporary, path);
};

/** The catalog the checkpoint holds, or why there is none to use. */
export const readCheckpoint = (path: string, log: LogIdentity): E.Either<string, SecretCatalog> => {
  if (!existsSync(path)) return E.left("no checkpoint");
  const text = readFileSync(path, "utf8");
  const newline = text.indexOf("\n");
  if (newline < 0) return E.left("the checkpoint is damaged: no header");
  let header: unknown;
  let body: unknown;
  try {
    header = JSON.parse(text.slice(0, newline));
  } catch {
    return E.left("the checkpoint is damaged: its header is not JSON");
  }
  const decoded = Header.decode(header);
  if (E.isLeft(decoded)) return E.left("the checkpoint is of an unknown format");
  if (decoded.right.stream !== log.stream || decoded.right.created !== log.created)
    return E.left("the checkpoint is of another log");
  if (sha256(text.slice(newline + 1)) !== decoded.right.sha256) return E.left("the checkpoint is damaged: checksum");
  try {
    body = JSON.parse(text.slice(newline + 1));
  } catch {
    return E.left("the checkpoint is damaged: its body is not JSON");
  }
  return E.flatMap((catalog: SecretCatalog) =>
    catalog.checkpoint > log.lastSeq ? E.left("the checkpoint is ahead of the log") : E.right(catalog),
  )(catalogFrom(body));
};

/** Where the service keeps its projection's checkpoint for a region. */
export const checkpointPath = (dataDir: string, region: string): string =>
  join(dataDir, "projections", `catalog-${region}.checkpoint`);
