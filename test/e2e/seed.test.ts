import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { startTestApp, type TestApp } from "../support/app.js";
import { awsCli, awsCliUnavailable } from "../support/aws-cli.js";
import { told } from "../support/hooks.js";

// The seed document's own example: PutSecretValue with ClientRequestToken EXAMPLE2-90ab-cdef-fedc-ba987EXAMPLE
// on MyTestDatabaseSecret returns ARN, Name, VersionId and VersionStages.

const TOKEN = "EXAMPLE2-90ab-cdef-fedc-ba987EXAMPLE";
const VALUE = '{"username":"david","password":"EXAMPLE-PASSWORD"}';
const ARN = /^arn:aws:secretsmanager:[a-z0-9-]+:123456789012:secret:MyTestDatabaseSecret-[A-Za-z0-9]{6}$/;

const Seed = suite<{ app: TestApp }>("the seed example");
Seed.before(
  told(async (ctx) => {
    ctx.app = await startTestApp();
  }),
);
Seed.after(told(async ({ app }) => app.stop()));

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

Seed("from the AWS CLI (botocore signs without x-amz-content-sha256)", async ({ app }) => {
  const skip = awsCliUnavailable();
  if (skip !== undefined) return void process.stdout.write(`\n  skipped: the AWS CLI seed example: ${skip}\n`);
  const aws = awsCli(app);
  await aws.json("create-secret", "--name", "cli/MyTestDatabaseSecret", "--secret-string", "first");
  const put = await aws.json(
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
  const got = await aws.json("get-secret-value", "--secret-id", "cli/MyTestDatabaseSecret");
  assert.is(got["SecretString"], VALUE);
  // The CLI reports a refused request with the AWS error type, and exits non-zero.
  const refused = await aws.failure("get-secret-value", "--secret-id", "nope");
  assert.match(refused, /ResourceNotFoundException/);
  assert.match(refused, /Secrets Manager can't find the specified secret\./);
});

Seed.run();
