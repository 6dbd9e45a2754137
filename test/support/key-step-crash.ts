import * as E from "fp-ts/lib/Either.js";
import { startApp } from "../../src/app.js";
import type { KeyStep } from "../../src/application/handle-command.js";
import { loadConfig } from "../../src/config.js";

// The service, as main.js starts it, killed (SIGKILL, by itself: nothing runs after) at one step of replacing a
// secret's key, or of erasing a replica region's copies: the step named by argv[2]. SIGUSR2 moves its clock a day
// and a half on (every version is then old enough to be pruned) and runs the compactor. For
// test/e2e/prune-crash.test.ts and test/e2e/copies-crash.test.ts.

const step = process.argv[2] as KeyStep;
const config = loadConfig(process.env);
if (E.isLeft(config)) throw new Error(config.left);
let later = 0;
const app = await startApp(config.right, {
  clock: () => Date.now() + later,
  authClock: Date.now,
  onKeyStep: (reached) => {
    if (reached === step) process.kill(process.pid, "SIGKILL");
  },
});
process.on("SIGUSR2", () => {
  later = 36 * 60 * 60 * 1000;
  void app.compact();
});
process.stdout.write(`Endpoint: ${app.endpoint}\n`);
