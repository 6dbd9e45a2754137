import * as E from "fp-ts/lib/Either.js";
import { randomUUID } from "node:crypto";
import type { SecretCatalog } from "../../projections/secret-catalog.js";
import type { SecretCommand, VersionPolicy } from "../domain/commands.js";
import { nextRotation } from "../domain/rotation.js";
import type { SecretEvent } from "../domain/events.js";
import type { ActiveSecret } from "../domain/state.js";
import { ROTATION_STEPS, type RotationStep, type VersionId } from "../domain/types.js";
import type { CommandHandler, Executed } from "./handle-command.js";
import { prepared } from "./handle-command.js";
import { inSlices } from "./in-slices.js";
import type { Clock, InvocationOutcome, RotationEvent, RotationFunctions } from "./ports.js";

// Runs rotations: each attempt invokes the function for createSecret, setSecret, testSecret and finishSecret (a
// test: testSecret alone), then asks the decider whether the labels show completion. A failed attempt is recorded
// with when to retry (exponential backoff, a bounded number of attempts); the scheduler's tick claims retries and
// due rotations through the log's expected-sequence guard, so with several instances on one log each attempt runs
// in exactly one of them. The runner's own commands carry no caller: they are the service's.

/** One invocation of a rotation function, for the audit trail. */
export type Invocation = {
  readonly arn: string;
  readonly versionId: VersionId;
  readonly step: RotationStep;
  readonly functionName: string;
  readonly outcome: InvocationOutcome;
};

/** Beyond its steps' timeouts, what an attempt may take: recording invocations and outcomes. */
const LEASE_MARGIN_MS = 60_000;

export type RotationSettings = {
  /** How many attempts a rotation gets before the service gives up (AWSPENDING then stays where it is). */
  readonly attempts: number;
  /** The wait before the second attempt; it doubles for each attempt after. */
  readonly retryAfterMs: number;
  /**
   * How long an attempt may run before another instance may take the rotation over (its runner is gone), when
   * its function is unknown; otherwise the four steps' timeouts and a minute.
   */
  readonly leaseMs: number;
};

export type RotationRunner = {
  /** The functions RotateSecret may name. */
  readonly functions: RotationFunctions;
  /** Runs the attempt a command on secret `name` just started, if its events start one (here it was claimed). */
  runStarted(name: string, events: ReadonlyArray<SecretEvent>): boolean;
  /** Starts the retries and scheduled rotations that are due; answers how many attempts it started. */
  tick(): Promise<number>;
  /** Resolves once no attempt runs here. */
  whenIdle(): Promise<void>;
  /** Cuts the attempts under way short (each recorded as retryable at once) and resolves once none runs. */
  stop(): Promise<void>;
};

export const rotationRunner = (deps: {
  readonly commands: CommandHandler;
  readonly catalog: SecretCatalog;
  readonly clock: Clock;
  readonly functions: RotationFunctions;
  readonly versionPolicy: VersionPolicy;
  readonly settings: RotationSettings;
  readonly recordInvocation: (invocation: Invocation) => Promise<void>;
  readonly onError: (what: string, error: unknown) => void;
}): RotationRunner => {
  const { commands, catalog, settings } = deps;

  const issue = (name: string, command: SecretCommand): Promise<E.Either<unknown, Executed>> =>
    commands.handleCommand(name, { kind: "name", name }, command.type, () => prepared(command));

  /** The secret, while attempt `attempt` of rotation `versionId` is still the one under way. */
  const underWay = (name: string, versionId: VersionId, attempt: number): ActiveSecret | undefined => {
    const state = catalog.entry(name).state;
    const inFlight = state.status === "active" ? state.rotation?.inFlight : undefined;
    return state.status === "active" && inFlight?.versionId === versionId && inFlight.attempt === attempt
      ? state
      : undefined;
  };

  /** Stops the attempts under way when the service stops. */
  const stopping = new AbortController();

  /**
   * Records a failed attempt, with when to retry; an attempt cut short by the service stopping is not the
   * function's failure: it may be retried at once (by this service's next start, or another instance).
   */
  const fail = async (
    name: string,
    versionId: VersionId,
    attempt: number,
    step: RotationStep,
    outcome: { readonly reason: string; readonly stopped?: boolean },
  ) => {
    const now = deps.clock();
    const retryAt =
      outcome.stopped === true
        ? now
        : attempt < settings.attempts
          ? now + settings.retryAfterMs * 2 ** (attempt - 1)
          : undefined;
    const reason = outcome.reason;
    await issue(name, {
      type: "RecordRotationFailure",
      data: { versionId, attempt, step, reason, ...(retryAt === undefined ? {} : { retryAt }), now },
    });
  };

  const attemptRotation = async (name: string, versionId: VersionId, attempt: number): Promise<void> => {
    const secret = underWay(name, versionId, attempt);
    if (secret === undefined) return;
    const steps: ReadonlyArray<RotationStep> =
      secret.rotation?.inFlight?.testOnly === true ? ["testSecret"] : ROTATION_STEPS;
    const fn = secret.rotation?.lambdaArn === undefined ? undefined : deps.functions.find(secret.rotation.lambdaArn);
    if (fn === undefined)
      return fail(name, versionId, attempt, steps[0] as RotationStep, {
        reason: "the rotation function can't be invoked",
      });
    for (const step of steps) {
      // Cancelled, abandoned or taken over meanwhile: this attempt stops here.
      const now = underWay(name, versionId, attempt);
      if (now === undefined) return;
      const event: RotationEvent = { Step: step, SecretId: now.arn, ClientRequestToken: versionId };
      const outcome: InvocationOutcome = stopping.signal.aborted
        ? { ok: false, reason: "the service stopped", stopped: true }
        : await fn.invoke(event, stopping.signal).catch((e: unknown): InvocationOutcome => ({
            ok: false,
            reason: e instanceof Error ? e.name : "invocation failed",
          }));
      await deps.recordInvocation({ arn: now.arn, versionId, step, functionName: fn.name, outcome });
      if (!outcome.ok) return fail(name, versionId, attempt, step, outcome);
    }
    const completed = await issue(name, { type: "CompleteRotation", data: { versionId, attempt, now: deps.clock() } });
    if (E.isLeft(completed) && (completed.left as { _tag?: string })._tag === "RotationNotFinished")
      return fail(name, versionId, attempt, "finishSecret", {
        reason: "AWSPENDING is still on a version that isn't AWSCURRENT",
      });
    if (E.isLeft(completed)) throw new Error(`the rotation could not be completed: ${JSON.stringify(completed.left)}`);
  };

  /** The attempts running in this instance, by secret. */
  const running = new Map<string, Promise<void>>();

  const run = (name: string, versionId: VersionId, attempt: number): void => {
    // Its commands are the service's own (issue() leaves any request's context), even when a request started it.
    const attemptRun: Promise<void> = attemptRotation(name, versionId, attempt)
      .catch((e: unknown) => deps.onError(`rotation of ${name}`, e))
      .finally(() => {
        if (running.get(name) === attemptRun) running.delete(name);
      });
    running.set(name, attemptRun);
  };

  const runStarted = (name: string, events: ReadonlyArray<SecretEvent>): boolean => {
    const started = events.find((e) => e.type === "RotationStarted");
    if (started?.type !== "RotationStarted") return false;
    run(name, started.data.versionId, started.data.attempt);
    return true;
  };

  /** Issues one of the runner's own commands; runs the attempt it started, if it did (1), else 0. */
  const claim = async (name: string, command: SecretCommand): Promise<number> => {
    const result = await issue(name, command);
    return E.isRight(result) && runStarted(name, result.right.events) ? 1 : 0;
  };

  /** How long an attempt of this secret's rotation may run: its steps' timeouts, and a minute for the rest. */
  const leaseOf = (state: ActiveSecret): number => {
    const fn = state.rotation?.lambdaArn === undefined ? undefined : deps.functions.find(state.rotation.lambdaArn);
    return fn === undefined ? settings.leaseMs : ROTATION_STEPS.length * fn.timeoutMs + LEASE_MARGIN_MS;
  };

  const tick = async (): Promise<number> => {
    let startedCount = 0;
    if (stopping.signal.aborted) return 0;
    // In slices: a walk of a million secrets takes tenths of a second, which requests would wait for.
    for await (const [name, entry] of inSlices(catalog.entries())) {
      const state = entry.state;
      if (state.status !== "active" || state.rotation === undefined || state.deletion !== undefined) continue;
      const now = deps.clock();
      const inFlight = state.rotation.inFlight;
      if (inFlight !== undefined) {
        const leaseMs = leaseOf(state);
        const due = inFlight.retryAt ?? inFlight.attemptAt + leaseMs;
        // An attempt under way here is this instance's to finish, however long it takes.
        if (due > now || running.has(name)) continue;
        const { versionId, attempt } = inFlight;
        startedCount += await claim(name, {
          type: "RetryRotation",
          data: { versionId, attempt: attempt + 1, leaseMs, now },
        });
      } else if (state.rotation.enabled && (nextRotation(state)?.start ?? Infinity) <= now) {
        startedCount += await claim(name, {
          type: "StartScheduledRotation",
          data: { token: randomUUID() as VersionId, versionPolicy: deps.versionPolicy, now },
        });
      }
    }
    return startedCount;
  };

  const whenIdle = async (): Promise<void> => {
    while (running.size > 0) await Promise.allSettled([...running.values()]);
  };

  return {
    functions: deps.functions,
    runStarted,
    tick,
    whenIdle,
    stop: () => {
      stopping.abort();
      return whenIdle();
    },
  };
};
