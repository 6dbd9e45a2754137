import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import type { SecretCatalog } from "../../projections/secret-catalog.js";
import type { Credentials } from "../access/sigv4.js";
import type { CommandHandler } from "../application/handle-command.js";
import type { Clock, RotationFunctions } from "../application/ports.js";
import { rotationRunner, type Invocation, type RotationRunner } from "../application/rotation-runner.js";
import type { Auditor } from "../audit/auditor.js";
import type { Config } from "../config.js";
import type { VersionPolicy } from "../domain/commands.js";
import type { Home } from "../domain/queries.js";
import { functionsFrom, readFunctionsFile } from "../rotation/functions-file.js";
import type { FunctionEnvironment } from "../rotation/function-specs.js";
import { WatchedFile } from "../watched-file.js";
import { errorText, type Logger } from "./logger.js";
import type { Started } from "./parts.js";

/**
 * Lambda's longest run is 15 minutes: an attempt of a function no longer in the functions file that is older than
 * that has lost its runner (another may take it over). A known function's attempt: its four steps' timeouts.
 */
const LEASE_MS = 15 * 60 * 1000;

/**
 * Rotation: the functions file (read again when it changes) and the runner. The functions call the service's own
 * endpoint, known once it listens (`listening`). Stopping cuts the attempts under way short: each is recorded as
 * retryable at once, for the next start (or another instance) to take up.
 */
export const startRotation = (deps: {
  readonly config: Config;
  readonly home: Home;
  readonly commands: CommandHandler;
  readonly catalog: SecretCatalog;
  readonly clock: Clock;
  readonly versionPolicy: VersionPolicy;
  readonly credentialsOf: (role: string | undefined) => Credentials | undefined;
  readonly reloadFailed: (what: string) => (path: string, error: unknown) => void;
  readonly auditor: Auditor;
  readonly logger: Logger;
}): Started<{ readonly runner: RotationRunner; listening(endpoint: string): void }> => {
  const { config, home, logger } = deps;
  let endpoint = "";
  const env: FunctionEnvironment = { home, endpoint: () => endpoint, credentialsOf: deps.credentialsOf };
  const file = new WatchedFile(
    config.functionsFile,
    (path) => readFunctionsFile(path, env),
    (): RotationFunctions => functionsFrom({}, dirname(config.functionsFile), env),
    deps.reloadFailed("functions file"),
  );
  const runner = rotationRunner({
    commands: deps.commands,
    catalog: deps.catalog,
    clock: deps.clock,
    functions: { find: (lambdaArn) => file.current().find(lambdaArn) },
    versionPolicy: deps.versionPolicy,
    settings: {
      attempts: config.rotation.attempts,
      retryAfterMs: config.rotation.retryAfterSeconds * 1000,
      leaseMs: LEASE_MS,
    },
    recordInvocation: (invocation) => deps.auditor.record(auditEntryOf(invocation, deps.clock())),
    onError: (what, error) => logger({ level: "error", msg: `${what} failed`, error: errorText(error) }),
  });
  return {
    runner,
    listening: (url) => {
      endpoint = url;
    },
    stop: () => runner.stop(),
  };
};

/** An invocation as the audit keeps it: the service invoking the function for one step of one rotation. */
const auditEntryOf = (invocation: Invocation, now: number) => ({
  time: new Date(now).toISOString(),
  requestId: randomUUID(),
  principal: "secretsmanager.amazonaws.com",
  accessKeyId: null,
  sourceIp: "",
  userAgent: `rotation function ${invocation.functionName}`,
  operation: `RotateSecret.${invocation.step}`,
  secretArns: [invocation.arn],
  versionIds: [invocation.versionId],
  outcome: invocation.outcome.ok ? "Success" : `Failed: ${invocation.outcome.reason}`,
});
