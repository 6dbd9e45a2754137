// Runs every uvu suite under dist/test in one process (so they share one nats-server), shows uvu's report,
// and ends with the line `N passed, N failed`; exits non-zero on any failure.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const uvu = join(here, "..", "..", "node_modules", "uvu", "bin.js");
const pattern = process.argv[2] ?? "\\.test\\.js$";
const child = spawn(process.execPath, [uvu, here, pattern], { stdio: ["ignore", "pipe", "inherit"] });
let output = "";
child.stdout.on("data", (chunk: Buffer) => {
  output += chunk.toString("utf8");
  process.stdout.write(chunk);
});
child.on("close", (code) => {
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
});
