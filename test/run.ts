// Runs every uvu suite under dist/test in one process (so they share one nats-server), shows uvu's report,
// and ends with the line `N passed, N failed`; exits non-zero on any failure.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNatsServer } from "../src/store/nats-server.js";
import { SHARED_NATS_ENV } from "./support/nats.js";

const here = dirname(fileURLToPath(import.meta.url));
const uvu = join(here, "..", "..", "node_modules", "uvu", "bin.js");
// An optional argument narrows the run to test files whose path matches it, e.g. `npm test -- integration`.
const pattern = `(?:${process.argv[2] ?? ""}).*\\.test\\.js$`;
// The run's shared nats-server: the project's nats.conf, a free port, a temp dir; stopped when the run ends.
const natsDir = mkdtempSync(join(tmpdir(), "secret-ledger-test-nats-"));
const nats = await startNatsServer({ storeDir: join(natsDir, "store"), logFile: join(natsDir, "nats-server.log") });
const child = spawn(process.execPath, [uvu, here, pattern], {
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, [SHARED_NATS_ENV]: nats.url },
});
let output = "";
child.stdout.on("data", (chunk: Buffer) => {
  output += chunk.toString("utf8");
  process.stdout.write(chunk);
});
child.on("close", (code) => void finish(code));

const finish = async (code: number | null): Promise<void> => {
  await nats.stop();
  rmSync(natsDir, { recursive: true, force: true });
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(passed)) {
    process.stdout.write(`\nthe test run ended without a report (exit code ${String(code)})\n0 passed, 1 failed\n`);
    process.exit(1);
  }
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}\n`);
  process.exit(failed > 0 || code !== 0 ? 1 : 0);
};
