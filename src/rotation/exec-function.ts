import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { InvocationOutcome, RotationEvent, RotationFunction } from "../application/ports.js";
import type { ExecSpec, FunctionEnvironment } from "./function-specs.js";
import { errorTypeOf } from "./http-function.js";
import { NODE_RUNNER, PYTHON_RUNNER, RESULT_MARK } from "./runners.js";
import { stepSignal, type StepSignal } from "./step-signal.js";

// A function run as a local process, the event on stdin: a Python or Node handler in AWS's form run by the small
// runner shipped here (it imports the handler and calls it with the event and a Lambda-like context), or any
// program. The process gets the region, the service's endpoint (SECRETS_MANAGER_ENDPOINT, as AWS's templates read
// it, and AWS_ENDPOINT_URL_SECRETS_MANAGER, as the SDKs do) and the access key of the function's role; none of
// the service's own environment. Nothing it prints is logged (it may hold the value): only a handler's error
// type comes back, through the runner's last line.

/** Variables a process needs to run at all, passed on from the service's environment. */
const PASSED_ON = ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "PYTHONPATH", "NODE_PATH"];
/** How much of the end of a process's output is kept to find the runner's result line. */
const TAIL_BYTES = 4096;

export const execFunction = (
  name: string,
  spec: ExecSpec,
  timeoutMs: number,
  env: FunctionEnvironment,
): RotationFunction => ({
  name,
  timeoutMs,
  invoke: (event: RotationEvent, stop: AbortSignal): Promise<InvocationOutcome> => {
    const credentials = env.credentialsOf(spec.role);
    if (credentials === undefined)
      return Promise.resolve({
        ok: false,
        reason: `the function's role ${spec.role ?? ""} is not in the principals file`,
      });
    const [command, ...args] =
      "command" in spec
        ? spec.command
        : spec.runtime === "python3"
          ? [spec.interpreter ?? "python3", "-c", PYTHON_RUNNER, spec.codeDir ?? ".", spec.handler]
          : [
              spec.interpreter ?? process.execPath,
              "--input-type=module",
              "-e",
              NODE_RUNNER,
              spec.codeDir ?? ".",
              spec.handler,
            ];
    const endpoint = env.endpoint();
    const processEnv: NodeJS.ProcessEnv = {
      ...Object.fromEntries(PASSED_ON.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]]))),
      ...spec.environment,
      AWS_REGION: env.home.region,
      AWS_DEFAULT_REGION: env.home.region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      SECRETS_MANAGER_ENDPOINT: endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_LAMBDA_FUNCTION_NAME: name,
      SECRET_LEDGER_TIMEOUT_SECONDS: String(timeoutMs / 1000),
      SECRET_LEDGER_INVOCATION_ID: randomUUID(),
    };
    return run(command as string, args, {
      input: JSON.stringify(event),
      env: processEnv,
      step: stepSignal(timeoutMs, stop),
      ...("command" in spec || spec.codeDir === undefined ? {} : { cwd: spec.codeDir }),
    });
  },
});

const run = (
  command: string,
  args: ReadonlyArray<string>,
  how: { readonly input: string; readonly env: NodeJS.ProcessEnv; readonly step: StepSignal; readonly cwd?: string },
): Promise<InvocationOutcome> =>
  new Promise((resolve) => {
    const { step } = how;
    const child = spawn(command, args, {
      env: how.env,
      ...(how.cwd === undefined ? {} : { cwd: how.cwd }),
      stdio: ["pipe", "pipe", "ignore"],
    });
    const finish = (outcome: InvocationOutcome): void => {
      step.done();
      resolve(step.outcome() ?? outcome);
    };
    let tail = "";
    step.signal.addEventListener("abort", () => child.kill("SIGKILL"), { once: true });
    child.stdout.on("data", (chunk: Buffer) => {
      tail = (tail + chunk.toString("utf8")).slice(-TAIL_BYTES);
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(how.input);
    child.on("error", () => finish({ ok: false, reason: `${command} could not be started` }));
    child.on("close", (code) => {
      if (code === 0) return finish({ ok: true });
      const mark = tail.lastIndexOf(RESULT_MARK);
      const errorType = mark < 0 ? undefined : errorTypeOf(tail.slice(mark + RESULT_MARK.length).trim());
      finish({ ok: false, reason: errorType ?? `exit code ${code ?? "none (killed)"}` });
    });
  });
