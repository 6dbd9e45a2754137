import { cpus, hostname, loadavg, platform, release, totalmem } from "node:os";

// What every benchmark reports alike: percentiles, and the machine a figure was measured on.

/** The value at fraction `p` (0.5, 0.99) of numbers sorted ascending. */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/** The machine as the figures' reader needs it: host, cores, memory, kernel, load now, Node. */
export const machine = (): string =>
  `machine: ${hostname()}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
  `${platform()} ${release()}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}, node ${process.version}`;

/** The heap in use after a full collection (the benchmarks that weigh the heap run node with --expose-gc). */
export const heapAfterGc = (): number => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc (the npm script does)");
  gc();
  return process.memoryUsage().heapUsed;
};
