import type { InvocationOutcome, RotationEvent, RotationFunction } from "../application/ports.js";
import { stepSignal } from "./step-signal.js";

// A function served over HTTP in Lambda's invoke shape: the event POSTed as JSON, as AWS's Lambda runtime
// interface emulator takes it (/2015-03-31/functions/function/invocations), so a team runs its real function from
// its own container image. A handler's error comes back as 200 with X-Amz-Function-Error (or an errorType body).

export const httpFunction = (name: string, url: string, timeoutMs: number): RotationFunction => ({
  name,
  timeoutMs,
  invoke: async (event: RotationEvent, stop: AbortSignal): Promise<InvocationOutcome> => {
    const step = stepSignal(timeoutMs, stop);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(event),
        signal: step.signal,
      });
      const body = await response.text();
      const errorType = errorTypeOf(body);
      if (response.status >= 200 && response.status < 300 && response.headers.get("x-amz-function-error") === null)
        return errorType === undefined ? { ok: true } : { ok: false, reason: errorType };
      // The error's type only: its message may hold the value.
      return { ok: false, reason: errorType ?? `HTTP ${response.status}` };
    } catch {
      return step.outcome() ?? { ok: false, reason: "the function's URL can't be reached" };
    } finally {
      step.done();
    }
  },
});

/** A Lambda error answer's errorType (`{"errorType": …, "errorMessage": …}`), checked to be a plain name. */
export const errorTypeOf = (body: string): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(body);
    const type =
      typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>)["errorType"] : undefined;
    return typeof type === "string" && /^[\w.$-]{1,128}$/.test(type) ? type : undefined;
  } catch {
    return undefined;
  }
};
