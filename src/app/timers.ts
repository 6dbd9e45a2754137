import { errorText, type Logger } from "./logger.js";
import type { Started } from "./parts.js";

// The service's own work on timers: each runs `work` every `everyMs`, logs a failure, and keeps no process alive.

export const startTimers = (
  logger: Logger,
  timers: ReadonlyArray<{ readonly what: string; readonly everyMs: number; readonly work: () => Promise<unknown> }>,
): Started<object> => {
  const handles = timers.map(({ what, everyMs, work }) => {
    const handle = setInterval(() => {
      work().catch((e: unknown) => logger({ level: "error", msg: what, error: errorText(e) }));
    }, everyMs);
    handle.unref();
    return handle;
  });
  return {
    stop: () => {
      for (const handle of handles) clearInterval(handle);
    },
  };
};
