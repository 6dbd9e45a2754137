import {
  CreateSecretCommand,
  DescribeSecretCommand,
  RotateSecretCommand,
  type DescribeSecretCommandOutput,
  type RotateSecretCommandInput,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../../src/config.js";
import { projectRoot } from "../../src/store/nats-server.js";
import { startTestApp, type TestApp } from "./app.js";
import { secretLedger } from "./cli.js";
import { HOUR } from "./decider.js";
import { tempDir } from "./nats.js";

// What the rotation tests share: the functions file, the fixture functions (test/fixtures/rotation), and
// looks at a secret's labels and history.

export const FIXTURES = join(projectRoot(), "test", "fixtures", "rotation");
export const DAY = 24 * HOUR;
/** Retries as the tests want them: 3 attempts, the first retry a minute after a failure (on the test's clock). */
export const ROTATION: Config["rotation"] = { attempts: 3, retryAfterSeconds: 60, checkEverySeconds: 3600 };

/** Writes the functions file (mode 0600, replaced atomically). */
export const writeFunctions = (path: string, functions: Record<string, object>): void => {
  writeFileSync(`${path}.tmp`, JSON.stringify({ functions }), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
};

export const lambdaArn = (app: TestApp, name: string): string =>
  `arn:aws:lambda:${app.config.region}:123456789012:function:${name}`;

/** A folder for one test's files: the functions file, the fixtures' counters and step logs. */
export const workDir = () => {
  const dir = tempDir("rotation");
  return { dir, functions: join(dir, "functions.json"), steps: join(dir, "steps"), counter: join(dir, "counter") };
};

export const python = (env: Record<string, string> = {}) => ({
  type: "exec",
  runtime: "python3",
  handler: "lambda_function.lambda_handler",
  codeDir: join(FIXTURES, "python"),
  environment: env,
});
export const node = (env: Record<string, string> = {}) => ({
  type: "exec",
  runtime: "node",
  handler: "index.handler",
  codeDir: join(FIXTURES, "node"),
  environment: env,
});

export const steps = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];

export const describe = (app: TestApp, id: string): Promise<DescribeSecretCommandOutput> =>
  app.client.send(new DescribeSecretCommand({ SecretId: id }));

export const labels = async (app: TestApp, id: string): Promise<Record<string, string[]>> =>
  Object.fromEntries(
    Object.entries((await describe(app, id)).VersionIdsToStages ?? {}).map(([v, s]) => [v, [...s].sort()]),
  );

export const createJsonSecret = async (
  app: TestApp,
  name: string,
  value: object = { username: "app", password: "old" },
) => {
  const token = randomUUID();
  const created = await app.client.send(
    new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value), ClientRequestToken: token }),
  );
  return { arn: created.ARN ?? "", first: token };
};

/** `secret-ledger history <name>` against the app's log. */
export const historyOf = async (app: TestApp, name: string): Promise<string> =>
  (await secretLedger(app, ["history", name])).out;

/** RotateSecret with a fresh token and function `fn`; resolves, with the token, once the rotation has run here. */
export const rotateAndWait = async (
  app: TestApp,
  secretId: string,
  fn: string,
  more: Omit<RotateSecretCommandInput, "SecretId"> = {},
): Promise<string> => {
  const token = randomUUID();
  await app.client.send(
    new RotateSecretCommand({
      SecretId: secretId,
      ClientRequestToken: token,
      RotationLambdaARN: lambdaArn(app, fn),
      ...more,
    }),
  );
  await app.whenRotationsIdle();
  return token;
};

/** A rotation test's folder: its functions file, and the fixtures' counter and step log. */
export type Work = ReturnType<typeof workDir>;

/** The app with the functions `functions` makes (from the test's folder), with the tests' retry settings. */
export const rotationApp = async (
  functions: (work: Work) => Record<string, object>,
  options: Parameters<typeof startTestApp>[0] = {},
): Promise<{ readonly app: TestApp; readonly work: Work }> => {
  const work = workDir();
  writeFunctions(work.functions, functions(work));
  return { work, app: await startTestApp({ functionsFile: work.functions, rotation: ROTATION, ...options }) };
};
