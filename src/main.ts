import * as E from "fp-ts/lib/Either.js";
import { existsSync } from "node:fs";
import { startApp, type RunningApp } from "./app.js";
import { loadConfig } from "./config.js";
import { auditStreamName } from "./store/subjects.js";

const config = loadConfig(process.env);
if (E.isLeft(config)) {
  process.stderr.write(`secret-ledger: configuration error: ${config.left}\n`);
  process.exit(2);
}

/** The service, once started (a signal before then is kept for it). */
const running: { app?: RunningApp } = {};
let stopRequested: string | undefined;
let stopping = false;
const shutdown = (signal: string): void => {
  const app = running.app;
  if (app === undefined) {
    stopRequested ??= signal;
    return;
  }
  if (stopping) return;
  stopping = true;
  process.stdout.write(`secret-ledger: ${signal}, stopping\n`);
  app.stop().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`secret-ledger: stop failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
};
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));

const app = await startApp(config.right).catch((e: unknown) => {
  process.stderr.write(`secret-ledger: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
  return process.exit(1);
});
running.app = app;
const { region } = config.right;
const { accessKeyId, secretAccessKey } = app.credentials;
const credentialsNote =
  app.credentialsSource === "environment"
    ? "Credentials: from SECRET_LEDGER_ACCESS_KEY_ID / SECRET_LEDGER_SECRET_ACCESS_KEY."
    : `Credentials: ${app.credentialsSource === "generated" ? "generated on this first start and " : ""}stored in ${app.credentialsFile} (mode 0600).`;
process.stdout.write(
  [
    "",
    `secret-ledger is running.`,
    `  Endpoint:   ${app.endpoint}`,
    `  Region:     ${region}`,
    `  NATS:       ${app.natsUrl}${config.right.natsUrl === undefined ? " (started from nats.conf)" : ""}`,
    `  Data:       ${config.right.dataDir}`,
    `  Keyring:    ${config.right.keyringFile}`,
    `  Principals: ${config.right.principalsFile}${existsSync(config.right.principalsFile) ? "" : " (none yet: only the credentials below)"}`,
    `  Functions:  ${config.right.functionsFile}${existsSync(config.right.functionsFile) ? "" : " (none yet: only the built-in secret-ledger-builtin)"}`,
    `  Web page:   ${app.endpoint}/ui/   (history, state at a moment, audit, integrity; sign in with an access key)`,
    `  Forensics:  ./secret-ledger history <secret> | state --at <time> | audit tail | audit verify   (from this folder)`,
    `  Audit:      every call, on stream ${auditStreamName(region)}${config.right.auditFailClosed ? " (fail closed)" : ""}`,
    `  Probes:     ${app.endpoint}/healthz, /readyz, /metrics (Prometheus)`,
    `  ${credentialsNote}`,
    "",
    "Point the AWS CLI or an SDK at it:",
    `  export AWS_ACCESS_KEY_ID=${accessKeyId}`,
    app.credentialsSource === "environment"
      ? "  export AWS_SECRET_ACCESS_KEY=$SECRET_LEDGER_SECRET_ACCESS_KEY"
      : app.credentialsSource === "generated"
        ? `  export AWS_SECRET_ACCESS_KEY=${secretAccessKey}`
        : `  export AWS_SECRET_ACCESS_KEY=$(node -p "require('${app.credentialsFile}').secretAccessKey")`,
    `  export AWS_REGION=${region} AWS_DEFAULT_REGION=${region}`,
    `  export AWS_ENDPOINT_URL_SECRETS_MANAGER=${app.endpoint}`,
    `  aws secretsmanager create-secret --name demo --secret-string hello     # or --endpoint-url ${app.endpoint}`,
    `  JS SDK: new SecretsManagerClient({ endpoint: "${app.endpoint}", region: "${region}" })`,
    "",
  ].join("\n") + "\n",
);

// A signal while the service starts waits for the start to finish, then stops it: without a handler in place the
// signal would end the process half-way, its checkpoint unwritten (a SIGTERM right after the banner did, about one
// time in four, before the handlers were set first).
if (stopRequested !== undefined) shutdown(stopRequested);
