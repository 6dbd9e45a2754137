import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../src/store/nats-server.js";

// Child processes of the benchmarks: the service and the references run in processes of their own.

/**
 * How `npm start` runs the service (package.json): node's options, and the entry point (the bundle that
 * scripts/bundle.mjs makes of dist/src/main.js), so that the service measured is the one run.
 */
const START = (() => {
  const start = (
    JSON.parse(readFileSync(join(projectRoot(), "package.json"), "utf8")) as { scripts: { start: string } }
  ).scripts.start;
  const parts = /^node ((?:--\S+ )*)(dist\/\S+\.js)$/.exec(start);
  if (parts === null) throw new Error(`package.json's start script is not "node [--flag …] dist/….js": ${start}`);
  return { flags: (parts[1] ?? "").split(" ").filter((f) => f !== ""), entry: join(projectRoot(), parts[2] ?? "") };
})();
export const START_FLAGS: ReadonlyArray<string> = START.flags;
export const START_ENTRY: string = START.entry;

/**
 * The service, as `npm start` runs it (its node options too; or `script`, another entry point and its arguments), in
 * a process of its own with `env` added to this one's; its output piped (to read its lines) or dropped. Killed should
 * this process end first.
 */
export const spawnService = (
  env: NodeJS.ProcessEnv,
  stdout: "pipe" | "ignore",
  script: ReadonlyArray<string> = [...START_FLAGS, START_ENTRY],
): ChildProcess => {
  const child = spawn(process.execPath, [...script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", stdout, "inherit"],
  });
  const orphanGuard = (): void => void child.kill("SIGKILL");
  process.once("exit", orphanGuard);
  child.once("exit", () => process.off("exit", orphanGuard));
  return child;
};

/** Resolves with the first match of `pattern` in the child's output; rejects if it exits first. */
export const waitForLine = (child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> =>
  new Promise((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      const m = pattern.exec(seen);
      if (m !== null) resolve(m);
    });
    child.once("exit", (code) => reject(new Error(`exited with ${String(code)} before ready:\n${seen}`)));
  });

export const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });

/**
 * The CPU time a process has used so far, in ms, as Linux reports it (user + system, at the kernel's 100 ticks
 * a second; undefined elsewhere). Two readings around a scenario give that process's share of it.
 */
export const cpuMs = (pid: number | undefined): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
    // The fields after the command's name (which may hold spaces) start at the state, field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
};

/** A process's resident memory in MiB, as Linux reports it (undefined elsewhere). */
export const residentMiB = (pid: number | undefined): number | undefined => {
  try {
    const status = readFileSync(`/proc/${String(pid)}/status`, "utf8");
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) / 1024;
  } catch {
    return undefined;
  }
};
