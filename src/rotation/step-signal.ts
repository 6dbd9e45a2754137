import type { InvocationOutcome } from "../application/ports.js";

// One step's time: it ends at its timeout, or when the service stops. Both abort `signal`; `outcome` says which.

export type StepSignal = {
  readonly signal: AbortSignal;
  /** The failure the abort means, once the step was aborted. */
  outcome(): InvocationOutcome | undefined;
  /** The step is over: no timer left behind. */
  done(): void;
};

export const stepSignal = (timeoutMs: number, stop: AbortSignal): StepSignal => {
  const controller = new AbortController();
  let outcome: InvocationOutcome | undefined;
  const end = (why: InvocationOutcome): void => {
    outcome ??= why;
    controller.abort();
  };
  const timer = setTimeout(() => end({ ok: false, reason: `timed out after ${timeoutMs / 1000} s` }), timeoutMs);
  const onStop = (): void => end({ ok: false, reason: "the service stopped", stopped: true });
  if (stop.aborted) onStop();
  else stop.addEventListener("abort", onStop, { once: true });
  return {
    signal: controller.signal,
    outcome: () => outcome,
    done: () => {
      clearTimeout(timer);
      stop.removeEventListener("abort", onStop);
    },
  };
};
