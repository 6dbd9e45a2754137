import * as E from "fp-ts/lib/Either.js";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { AuditEntry } from "./chain.js";

const writeDurably = (path: string, flags: "a" | "w", entries: ReadonlyArray<AuditEntry>): void => {
  const fd = openSync(path, flags, 0o600);
  try {
    writeSync(fd, entries.map((e) => JSON.stringify(e) + "\n").join(""));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

/**
 * Audit records kept on the server's own disk while the audit stream cannot be written (NATS down): one JSON
 * line per record, appended and fsync'd before `append` returns, so a read answered meanwhile has its record
 * as durably as it would on the stream. The auditor forwards them, in order, when NATS is back. Records carry
 * no values, keys or signatures (see AuditEntry); the file is private to the service (mode 0600).
 */
export class AuditSpool {
  private held: number;

  constructor(private readonly path: string) {
    this.held = this.read().length;
  }

  /** How many records wait to be forwarded. */
  get size(): number {
    return this.held;
  }

  append(entries: ReadonlyArray<AuditEntry>): void {
    writeDurably(this.path, "a", entries);
    this.held += entries.length;
  }

  /** The records in the order they were spooled; a line cut short by a crash mid-append is left out. */
  read(): AuditEntry[] {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch {
      return [];
    }
    return text.split("\n").flatMap((line) => {
      if (line === "") return [];
      try {
        const decoded = AuditEntry.decode(JSON.parse(line));
        return E.isRight(decoded) ? [decoded.right] : [];
      } catch {
        return [];
      }
    });
  }

  /** Keeps only `entries` (those not yet forwarded), replacing the file at once (write, fsync, rename). */
  keepOnly(entries: ReadonlyArray<AuditEntry>): void {
    const next = `${this.path}.next`;
    writeDurably(next, "w", entries);
    renameSync(next, this.path);
    this.held = entries.length;
  }

  /** Once every record read is on the stream. */
  clear(): void {
    rmSync(this.path, { force: true });
    this.held = 0;
  }
}
