import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Credentials } from "./access/sigv4.js";
import { assertPrivate, writePrivate } from "./private-files.js";
import { isRunning } from "./service-file.js";
import { KEY_BYTES } from "./crypto/envelope.js";

// Files the service keeps in its data directory, readable by its owner only (mode 0600): the bootstrap
// credentials, when none are configured. (The master keys are in the keyring: src/crypto/keyring.ts.)

const StoredCredentials = t.type({ accessKeyId: t.string, secretAccessKey: t.string });

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const randomFrom = (alphabet: string, length: number): string =>
  [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join("");

export const ensureDataDir = (dataDir: string): void => {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
};

/**
 * One service per data directory: two would start two nats-servers on one store. The lock is a pid file; a
 * file left by a process that is gone is taken over. Returns the release function.
 */
export const lockDataDir = (dataDir: string): (() => void) => {
  const file = join(dataDir, "secret-ledger.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && isRunning(holder))
        throw new Error(
          `${dataDir} is in use by another secret-ledger (pid ${holder}); stop it, use another SECRET_LEDGER_DATA, or point NATS_URL at its nats-server`,
          { cause: e },
        );
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${dataDir}`);
};

/** The configured credentials, else the pair stored in the data directory, else a new pair stored there. */
export const loadOrCreateCredentials = (
  dataDir: string,
  configured: Credentials | undefined,
): {
  readonly credentials: Credentials;
  readonly source: "environment" | "stored" | "generated";
  readonly file: string;
} => {
  const file = join(dataDir, "credentials.json");
  if (configured !== undefined) return { credentials: configured, source: "environment", file };
  const stored = storedCredentials(dataDir);
  if (stored !== undefined) return { credentials: stored, source: "stored", file };
  // Shaped like AWS's: a 20-character key id, a 40-character secret.
  const credentials = {
    accessKeyId: `SLAK${randomFrom(ALPHANUMERIC, 16)}`,
    secretAccessKey: randomBytes(30).toString("base64"),
  };
  writePrivate(file, JSON.stringify(credentials, null, 2) + "\n");
  return { credentials, source: "generated", file };
};

/** The bootstrap credentials as the data directory keeps them, without making any (the command line's default). */
export const storedCredentials = (dataDir: string): Credentials | undefined => {
  const file = join(dataDir, "credentials.json");
  if (!existsSync(file)) return undefined;
  assertPrivate(file);
  const decoded = StoredCredentials.decode(JSON.parse(readFileSync(file, "utf8")));
  if (E.isLeft(decoded)) throw new Error(`${file} is not a credentials file of secret-ledger`);
  return decoded.right;
};

/** The master key an earlier version kept in `data/master.key`, which the keyring takes over. */
export const legacyMasterKey = (dataDir: string): Buffer | undefined => {
  const file = join(dataDir, "master.key");
  if (!existsSync(file)) return undefined;
  assertPrivate(file);
  const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  if (key.length !== KEY_BYTES) throw new Error(`${file} does not hold a ${KEY_BYTES}-byte key in base64`);
  return key;
};
