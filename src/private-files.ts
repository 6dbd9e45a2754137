import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { describeProblem } from "./io-ts-problems.js";

// Files that hold keys (keyring, principals, credentials): readable and writable by their owner only (mode 0600).

export const writePrivate = (path: string, content: string): void => {
  writeFileSync(path, content, { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
};

export const assertPrivate = (path: string): void => {
  if ((statSync(path).mode & 0o077) !== 0)
    throw new Error(`${path} is readable by others than its owner: chmod 600 it`);
};

/** An operator's file that holds keys (keyring, principals): readable by its owner only, JSON, decoded. */
export const readPrivateJson = <A>(path: string, codec: t.Decoder<unknown, A>, what: string): A => {
  assertPrivate(path);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
  const decoded = codec.decode(json);
  if (E.isLeft(decoded)) {
    const first = decoded.left[0];
    throw new Error(`${path} is not ${what}${first === undefined ? "" : `: ${describeProblem(first)}`}`);
  }
  return decoded.right;
};
