import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assertPrivate } from "./private-files.js";

// What a running service leaves in its data directory for the command line beside it: where it answers and its
// nats-server, readable by its owner only (mode 0600). Written once the API listens, removed when it stops; a
// file left by a process that is gone names nothing.

const ServiceInfo = t.type({
  pid: t.number,
  endpoint: t.string,
  natsUrl: t.string,
  region: t.string,
  startedAt: t.string,
});
export type ServiceInfo = t.TypeOf<typeof ServiceInfo>;

export const serviceFilePath = (dataDir: string): string => join(dataDir, "service.json");

export const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Announces this process as the data directory's running service; answers the function that withdraws it. */
export const writeServiceFile = (dataDir: string, info: Omit<ServiceInfo, "pid" | "startedAt">): (() => void) => {
  const path = serviceFilePath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  const mine: ServiceInfo = { pid: process.pid, ...info, startedAt: new Date().toISOString() };
  writeFileSync(temporary, JSON.stringify(mine, null, 2) + "\n", { mode: 0o600 });
  renameSync(temporary, path);
  return () => {
    // Another service may have taken the directory over since (with NATS_URL several may share one): only ours goes.
    if (readRunningService(dataDir)?.pid === process.pid) rmSync(path, { force: true });
  };
};

/** The service running on this data directory, if one is: its file there, written by a process still alive. */
export const readRunningService = (dataDir: string): ServiceInfo | undefined => {
  const path = serviceFilePath(dataDir);
  if (!existsSync(path)) return undefined;
  assertPrivate(path);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
  const decoded = ServiceInfo.decode(json);
  return E.isRight(decoded) && isRunning(decoded.right.pid) ? decoded.right : undefined;
};
