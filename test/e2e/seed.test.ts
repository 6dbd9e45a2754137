import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startTestApp, type TestApp } from "../support/app.js";

// The seed document's own example: PutSecretValue with ClientRequestToken EXAMPLE2-90ab-cdef-fedc-ba987EXAMPLE
// on MyTestDatabaseSecret returns ARN, Name, VersionId and VersionStages.

const TOKEN = "EXAMPLE2-90ab-cdef-fedc-ba987EXAMPLE";
const VALUE = '{"username":"david","password":"EXAMPLE-PASSWORD"}';
const ARN = /^arn:aws:secretsmanager:[a-z0-9-]+:123456789012:secret:MyTestDatabaseSecret-[A-Za-z0-9]{6}$/;

const Seed = suite<{ app: TestApp }>("the seed example");
Seed.before(async (ctx) => {
  ctx.app = await startTestApp();
});
Seed.after(async ({ app }) => app.stop());

Seed("from the JS SDK", async ({ app }) => {
  const created = await app.client.send(
    new CreateSecretCommand({ Name: "MyTestDatabaseSecret", SecretString: '{"username":"david","password":"old"}' }),
  );
  const put = await app.client.send(
    new PutSecretValueCommand({ ClientRequestToken: TOKEN, SecretId: "MyTestDatabaseSecret", SecretString: VALUE }),
  );
  assert.match(put.ARN ?? "", ARN);
  assert.is(put.ARN, created.ARN);
  assert.is(put.Name, "MyTestDatabaseSecret");
  assert.is(put.VersionId, TOKEN);
  assert.equal(put.VersionStages, ["AWSCURRENT"]);
  const got = await app.client.send(new GetSecretValueCommand({ SecretId: "MyTestDatabaseSecret" }));
  assert.is(got.SecretString, VALUE);
  assert.is(got.VersionId, TOKEN);
});

const run = promisify(execFile);

Seed("from the AWS CLI (botocore signs without x-amz-content-sha256)", async ({ app }) => {
  const env = {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? "/tmp",
    AWS_ACCESS_KEY_ID: app.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: app.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: app.config.region,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
    const { stdout } = await run(
      "aws",
      ["--endpoint-url", app.endpoint, "--output", "json", "secretsmanager", ...args],
      { env },
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  await aws("create-secret", "--name", "cli/MyTestDatabaseSecret", "--secret-string", "first");
  const put = await aws(
    "put-secret-value",
    "--secret-id",
    "cli/MyTestDatabaseSecret",
    "--client-request-token",
    TOKEN,
    "--secret-string",
    VALUE,
  );
  assert.match(String(put["ARN"]), /:secret:cli\/MyTestDatabaseSecret-[A-Za-z0-9]{6}$/);
  assert.is(put["Name"], "cli/MyTestDatabaseSecret");
  assert.is(put["VersionId"], TOKEN);
  assert.equal(put["VersionStages"], ["AWSCURRENT"]);
  const got = await aws("get-secret-value", "--secret-id", "cli/MyTestDatabaseSecret");
  assert.is(got["SecretString"], VALUE);
  // The CLI reports a refused request with the AWS error type, and exits non-zero.
  const refused = await run(
    "aws",
    ["--endpoint-url", app.endpoint, "secretsmanager", "get-secret-value", "--secret-id", "nope"],
    {
      env,
    },
  ).then(
    () => "",
    (e: { stderr: string }) => e.stderr,
  );
  assert.match(refused, /ResourceNotFoundException/);
  assert.match(refused, /Secrets Manager can't find the specified secret\./);
});

Seed.run();
