import * as E from "fp-ts/lib/Either.js";
import type { InvocationOutcome, RotationEvent, RotationFunction } from "../application/ports.js";
import { AwsJsonClient } from "../client/aws-json-client.js";
import { randomPassword } from "../crypto/random-password.js";
import type { RotationStep } from "../domain/types.js";
import type { BuiltinSpec, FunctionEnvironment } from "./function-specs.js";
import { stepSignal } from "./step-signal.js";

// The built-in rotation function, for a secret that needs no code: a new value with GetRandomPassword's rules
// (for a JSON secret, only the key `jsonKey` changes), in AWS's four steps, through the service's own signed API
// as the function's role, so its calls are authorized and audited like any other caller's. Its setSecret has
// nothing to set: the new value is for whoever reads the secret next.

/** What AWS's rotation templates leave out of a password by default: characters that break connection strings. */
const DEFAULT_EXCLUDED = "/@\"'\\";

type Call = (op: string, input: Record<string, unknown>) => Promise<{ ok: boolean; json: Record<string, unknown> }>;

export const builtinFunction = (
  name: string,
  spec: BuiltinSpec,
  timeoutMs: number,
  env: FunctionEnvironment,
): RotationFunction => ({
  name,
  timeoutMs,
  invoke: async (event: RotationEvent, stop: AbortSignal): Promise<InvocationOutcome> => {
    const credentials = env.credentialsOf(spec.role);
    if (credentials === undefined)
      return { ok: false, reason: `the function's role ${spec.role ?? ""} is not in the principals file` };
    const client = new AwsJsonClient(env.endpoint(), credentials, env.home.region);
    const call: Call = async (op, input) => {
      const answer = await client.send(`secretsmanager.${op}`, input, {
        headers: { "user-agent": `secret-ledger rotation function ${name}` },
      });
      return { ok: answer.status === 200, json: answer.json };
    };
    const step = stepSignal(timeoutMs, stop);
    const aborted = new Promise<InvocationOutcome>((resolve) =>
      step.signal.addEventListener("abort", () => resolve(step.outcome() as InvocationOutcome), { once: true }),
    );
    try {
      return await Promise.race([STEPS[event.Step](call, event, spec), aborted]);
    } catch {
      return step.outcome() ?? { ok: false, reason: "the service can't be reached" };
    } finally {
      step.done();
      client.close();
    }
  },
});

const refused = (op: string, json: Record<string, unknown>): InvocationOutcome => ({
  ok: false,
  reason: `${op}: ${typeof json["__type"] === "string" ? json["__type"] : "failed"}`,
});

const pendingOf = (call: Call, e: RotationEvent) =>
  call("GetSecretValue", { SecretId: e.SecretId, VersionId: e.ClientRequestToken, VersionStage: "AWSPENDING" });

const STEPS: Readonly<
  Record<RotationStep, (call: Call, e: RotationEvent, spec: BuiltinSpec) => Promise<InvocationOutcome>>
> = {
  // A pending value already made for this token is kept (the step may run again on a retry).
  createSecret: async (call, e, spec) => {
    const current = await call("GetSecretValue", { SecretId: e.SecretId, VersionStage: "AWSCURRENT" });
    if (!current.ok) return refused("GetSecretValue", current.json);
    const pending = await pendingOf(call, e);
    if (pending.ok) return { ok: true };
    if (pending.json["__type"] !== "ResourceNotFoundException") return refused("GetSecretValue", pending.json);
    const password = randomPassword({
      ...(spec.passwordLength === undefined ? {} : { PasswordLength: spec.passwordLength }),
      ExcludeCharacters: spec.excludeCharacters ?? DEFAULT_EXCLUDED,
      ...(spec.excludePunctuation === undefined ? {} : { ExcludePunctuation: spec.excludePunctuation }),
      ...(spec.excludeNumbers === undefined ? {} : { ExcludeNumbers: spec.excludeNumbers }),
      ...(spec.excludeUppercase === undefined ? {} : { ExcludeUppercase: spec.excludeUppercase }),
      ...(spec.excludeLowercase === undefined ? {} : { ExcludeLowercase: spec.excludeLowercase }),
      ...(spec.includeSpace === undefined ? {} : { IncludeSpace: spec.includeSpace }),
    });
    if (E.isLeft(password)) return { ok: false, reason: `the password rules can't be met (${password.left._tag})` };
    const put = await call("PutSecretValue", {
      SecretId: e.SecretId,
      ClientRequestToken: e.ClientRequestToken,
      SecretString: newValue(current.json["SecretString"], spec.jsonKey ?? "password", password.right),
      VersionStages: ["AWSPENDING"],
    });
    return put.ok ? { ok: true } : refused("PutSecretValue", put.json);
  },
  setSecret: () => Promise.resolve({ ok: true }),
  testSecret: async (call, e) => {
    const pending = await pendingOf(call, e);
    return pending.ok ? { ok: true } : refused("GetSecretValue", pending.json);
  },
  // Moves AWSCURRENT to the pending version (done already if it is there).
  finishSecret: async (call, e) => {
    const described = await call("DescribeSecret", { SecretId: e.SecretId });
    if (!described.ok) return refused("DescribeSecret", described.json);
    const stages = (described.json["VersionIdsToStages"] ?? {}) as Record<string, ReadonlyArray<string>>;
    const current = Object.keys(stages).find((id) => stages[id]?.includes("AWSCURRENT"));
    if (current === e.ClientRequestToken) return { ok: true };
    const moved = await call("UpdateSecretVersionStage", {
      SecretId: e.SecretId,
      VersionStage: "AWSCURRENT",
      MoveToVersionId: e.ClientRequestToken,
      ...(current === undefined ? {} : { RemoveFromVersionId: current }),
    });
    return moved.ok ? { ok: true } : refused("UpdateSecretVersionStage", moved.json);
  },
};

/** The new value: a JSON object's `key` replaced (its other keys kept), else the password itself. */
const newValue = (current: unknown, key: string, password: string): string => {
  if (typeof current === "string") {
    try {
      const parsed: unknown = JSON.parse(current);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
        return JSON.stringify({ ...(parsed as Record<string, unknown>), [key]: password });
    } catch {
      // not JSON: the whole value is the password
    }
  }
  return password;
};
