import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startTestApp, TEST_CREDENTIALS } from "../support/app.js";
import { auditMessages, recordsOf } from "../support/audit.js";
import {
  DAY,
  FIXTURES,
  ROTATION,
  createJsonSecret,
  describe,
  historyOf,
  labels,
  lambdaArn,
  python,
  steps,
  workDir,
  writeFunctions,
  rotateAndWait,
  rotationApp,
} from "../support/rotation.js";
import { sdkError } from "../support/sdk.js";

const Rotation = suite("rotation: the functions");

Rotation("the built-in function rotates at once: labels, dates, the JSON key, history and audit", async () => {
  const { app } = await rotationApp(() => ({ builtin: { type: "builtin", jsonKey: "password", passwordLength: 40 } }));
  try {
    const { first } = await createJsonSecret(app, "prod/db", { username: "app", password: "CANARY-old-password" });
    const token = randomUUID();
    const answer = await app.client.send(
      new RotateSecretCommand({
        SecretId: "prod/db",
        ClientRequestToken: token,
        RotationLambdaARN: lambdaArn(app, "builtin"),
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    assert.is(answer.VersionId, token);
    assert.is(answer.Name, "prod/db");
    await app.whenRotationsIdle();
    assert.equal(await labels(app, "prod/db"), { [first]: ["AWSPREVIOUS"], [token]: ["AWSCURRENT"] });
    const described = await describe(app, "prod/db");
    assert.is(described.RotationEnabled, true);
    assert.is(described.RotationLambdaARN, lambdaArn(app, "builtin"));
    assert.equal(described.RotationRules, { AutomaticallyAfterDays: 30 });
    assert.ok(described.LastRotatedDate instanceof Date);
    const lastRotated = described.LastRotatedDate?.getTime() ?? 0;
    const nextDay = Math.floor(lastRotated / DAY) * DAY + 31 * DAY - 1000;
    assert.is(described.NextRotationDate?.getTime(), nextDay, "NextRotationDate: 30 days on, at 23:59:59Z");
    const value = JSON.parse(
      (await app.client.send(new GetSecretValueCommand({ SecretId: "prod/db" }))).SecretString ?? "{}",
    ) as Record<string, string>;
    assert.is(value["username"], "app");
    assert.is(value["password"]?.length, 40);
    const listed = await app.client.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: ["prod/db"] }] }));
    assert.is(listed.SecretList?.[0]?.RotationEnabled, true);
    assert.equal(listed.SecretList?.[0]?.LastRotatedDate, described.LastRotatedDate);
    assert.equal(listed.SecretList?.[0]?.NextRotationDate, described.NextRotationDate);
    const history = await historyOf(app, "prod/db");
    for (const words of ["rotation enabled", "rotation started", "filled", "rotation succeeded"])
      assert.match(history, words);
    await app.whenAudited();
    const records = recordsOf(await auditMessages(app.natsUrl, app.config.region));
    const invocations = records.filter((r) => r.operation.startsWith("RotateSecret."));
    assert.equal(
      invocations.map((r) => [r.operation, r.outcome]),
      ["createSecret", "setSecret", "testSecret", "finishSecret"].map((s) => [`RotateSecret.${s}`, "Success"]),
    );
    assert.ok(records.some((r) => r.operation === "PutSecretValue" && r.versionIds.includes(token)));
    // The old value appears nowhere but in its own (encrypted) version.
    assert.not.match(JSON.stringify(app.logged) + JSON.stringify(records), "CANARY-old-password");
  } finally {
    await app.stop();
  }
});

Rotation(
  "an HTTP function in Lambda's invoke shape (Node, AWS SDK): the empty AWSPENDING version first, four steps",
  async () => {
    const work = workDir();
    const app = await startTestApp({ functionsFile: work.functions, rotation: ROTATION });
    const { rotate } = (await import(pathToFileURL(join(FIXTURES, "node", "index.mjs")).href)) as {
      rotate: (event: Record<string, string>, client: SecretsManagerClient, env: object) => Promise<void>;
    };
    const functionClient = new SecretsManagerClient({
      endpoint: app.endpoint,
      region: app.config.region,
      credentials: TEST_CREDENTIALS,
    });
    const seen: Array<Record<string, string>> = [];
    const firstLook: Record<string, unknown> = {};
    const server: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        void (async () => {
          const event = JSON.parse(body) as Record<string, string>;
          seen.push(event);
          if (event["Step"] === "createSecret") {
            firstLook["stages"] = (await describe(app, "svc/api")).VersionIdsToStages?.[
              event["ClientRequestToken"] ?? ""
            ];
            firstLook["read"] = await sdkError(
              app.client.send(
                new GetSecretValueCommand({
                  SecretId: "svc/api",
                  VersionId: event["ClientRequestToken"],
                  VersionStage: "AWSPENDING",
                }),
              ),
            );
          }
          try {
            await rotate(event, functionClient, {});
            res.writeHead(200, { "content-type": "application/json" }).end("null");
          } catch (e) {
            res
              .writeHead(200, { "x-amz-function-error": "Unhandled" })
              .end(JSON.stringify({ errorType: (e as Error).name, errorMessage: "withheld" }));
          }
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/2015-03-31/functions/function/invocations`;
    writeFunctions(work.functions, { "node-http": { type: "http", url } });
    try {
      const { arn, first } = await createJsonSecret(app, "svc/api");
      const token = await rotateAndWait(app, "svc/api", "node-http");
      assert.equal(
        seen.map((e) => e["Step"]),
        ["createSecret", "setSecret", "testSecret", "finishSecret"],
      );
      assert.equal(seen[0], { Step: "createSecret", SecretId: arn, ClientRequestToken: token });
      assert.equal(firstLook["stages"], ["AWSPENDING"]);
      assert.equal(firstLook["read"], {
        name: "ResourceNotFoundException",
        message: "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
        status: 400,
        fault: "client",
      });
      assert.equal(await labels(app, "svc/api"), { [first]: ["AWSPREVIOUS"], [token]: ["AWSCURRENT"] });
      // Rotation configured without rules: no schedule, so no NextRotationDate.
      const described = await describe(app, "svc/api");
      assert.is(described.RotationEnabled, true);
      assert.is(described.NextRotationDate, undefined);
      assert.is(described.RotationRules, undefined);
    } finally {
      functionClient.destroy();
      server.close();
      await app.stop();
    }
  },
);

Rotation("a Python handler (boto3) run by exec, as AWS's template; what it prints never reaches the logs", async () => {
  const { app, work } = await rotationApp((work) => ({ "py-rotator": python({ STEPS_FILE: work.steps }) }));
  try {
    const { first } = await createJsonSecret(app, "py/db");
    const token = await rotateAndWait(app, "py/db", "py-rotator");
    assert.equal(steps(work.steps), ["createSecret", "setSecret", "testSecret", "finishSecret"]);
    assert.equal(await labels(app, "py/db"), { [first]: ["AWSPREVIOUS"], [token]: ["AWSCURRENT"] });
    const rotated = (await app.client.send(new GetSecretValueCommand({ SecretId: "py/db" }))).SecretString ?? "";
    const password = (JSON.parse(rotated) as Record<string, string>)["password"] ?? "";
    assert.ok(password.length >= 20);
    // The handler printed the new value; neither the service's log lines nor the audit hold it.
    await app.whenAudited();
    const records = recordsOf(await auditMessages(app.natsUrl, app.config.region));
    assert.not.match(JSON.stringify(app.logged) + JSON.stringify(records), password);
    // Its calls were made as the function's role (the root's keys here) and audited as such.
    assert.ok(records.some((r) => r.operation === "UpdateSecretVersionStage" && r.outcome === "Success"));
  } finally {
    await app.stop();
  }
});

Rotation("RotateImmediately=false: only testSecret, against a copy of the current value, removed after", async () => {
  const { app, work } = await rotationApp((work) => ({ "py-rotator": python({ STEPS_FILE: work.steps }) }));
  try {
    const { first } = await createJsonSecret(app, "later/db");
    const token = await rotateAndWait(app, "later/db", "py-rotator", {
      RotationRules: { AutomaticallyAfterDays: 7 },
      RotateImmediately: false,
    });
    assert.equal(steps(work.steps), ["testSecret"]);
    assert.equal(await labels(app, "later/db"), { [first]: ["AWSCURRENT"] });
    const versions = await app.client.send(
      new ListSecretVersionIdsCommand({ SecretId: "later/db", IncludeDeprecated: true }),
    );
    assert.equal(
      versions.Versions?.map((v) => [v.VersionId, v.VersionStages]).sort(),
      [
        [first, ["AWSCURRENT"]],
        [token, undefined],
      ].sort(),
    );
    const described = await describe(app, "later/db");
    assert.is(described.RotationEnabled, true);
    assert.is(described.LastRotatedDate, undefined);
    assert.ok(described.NextRotationDate instanceof Date);
    assert.match(await historyOf(app, "later/db"), "rotation test passed");
  } finally {
    await app.stop();
  }
});

Rotation(
  "the Python handler from its own HTTP server in Lambda's invoke shape (a container image's emulator)",
  async () => {
    const work = workDir();
    const app = await startTestApp({ functionsFile: work.functions, rotation: ROTATION });
    const server = spawn("python3", ["invoke_server.py"], {
      cwd: join(FIXTURES, "python"),
      env: {
        PATH: process.env["PATH"] ?? "",
        SECRETS_MANAGER_ENDPOINT: app.endpoint,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_DEFAULT_REGION: app.config.region,
        STEPS_FILE: work.steps,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        server.stdout.once("data", (line: Buffer) => resolve(line.toString("utf8").trim()));
        server.once("exit", (code) => reject(new Error(`the Python server exited with ${String(code)}`)));
      });
      writeFunctions(work.functions, {
        "py-http": { type: "http", url: `http://127.0.0.1:${port}/2015-03-31/functions/function/invocations` },
      });
      const { first } = await createJsonSecret(app, "py-http/db");
      const token = await rotateAndWait(app, "py-http/db", "py-http");
      assert.equal(steps(work.steps), ["createSecret", "setSecret", "testSecret", "finishSecret"]);
      assert.equal(await labels(app, "py-http/db"), { [first]: ["AWSPREVIOUS"], [token]: ["AWSCURRENT"] });
    } finally {
      server.kill();
      await app.stop();
    }
  },
);

Rotation.run();
