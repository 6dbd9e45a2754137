import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startTestApp, user, writePrincipals, type TestApp } from "../support/app.js";
import { awsCli, awsCliUnavailable } from "../support/aws-cli.js";
import { told } from "../support/hooks.js";

// A smoke test of the whole API through the real AWS CLI: botocore's serialisation and its signing path
// (no x-amz-content-sha256), for every operation this server has.

const Cli = suite<{ app: TestApp }>("the AWS CLI, operation by operation");
Cli.before(
  told(async (ctx) => {
    ctx.app = await startTestApp();
  }),
);
Cli.after(told(async ({ app }) => app.stop()));

Cli("create, tag, update, list, policy, batch get, delete and restore, random password", async ({ app }) => {
  const skip = awsCliUnavailable();
  if (skip !== undefined) return void process.stdout.write(`\n  skipped: the AWS CLI smoke test: ${skip}\n`);
  const aws = awsCli(app);
  const created = await aws.json(
    "create-secret",
    "--name",
    "cli/app",
    "--secret-string",
    "v1",
    "--description",
    "the app",
    "--tags",
    "Key=team,Value=blue",
  );
  assert.match(String(created["ARN"]), /:secret:cli\/app-/);
  await aws.json("tag-resource", "--secret-id", "cli/app", "--tags", "Key=env,Value=prod");
  await aws.json("untag-resource", "--secret-id", "cli/app", "--tag-keys", "team");
  const updated = await aws.json("update-secret", "--secret-id", "cli/app", "--secret-string", "v2");
  assert.ok(typeof updated["VersionId"] === "string");
  const described = await aws.json("describe-secret", "--secret-id", "cli/app");
  assert.equal(described["Tags"], [{ Key: "env", Value: "prod" }]);
  assert.is(described["Description"], "the app");
  const listed = await aws.json("list-secrets", "--filters", "Key=tag-value,Values=prod", "--sort-by", "name");
  assert.equal(
    (listed["SecretList"] as Array<{ Name: string }>).map((s) => s.Name),
    ["cli/app"],
  );
  const versions = await aws.json("list-secret-version-ids", "--secret-id", "cli/app", "--include-deprecated");
  assert.is((versions["Versions"] as unknown[]).length, 2);
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::123456789012:root" },
        Action: "secretsmanager:GetSecretValue",
        Resource: "*",
      },
    ],
  });
  await aws.json("put-resource-policy", "--secret-id", "cli/app", "--resource-policy", policy, "--block-public-policy");
  assert.is((await aws.json("get-resource-policy", "--secret-id", "cli/app"))["ResourcePolicy"], policy);
  assert.is((await aws.json("validate-resource-policy", "--resource-policy", policy))["PolicyValidationPassed"], true);
  await aws.json("delete-resource-policy", "--secret-id", "cli/app");
  const batch = await aws.json("batch-get-secret-value", "--secret-id-list", "cli/app", "cli/none");
  assert.equal(
    (batch["SecretValues"] as Array<{ SecretString: string }>).map((v) => v.SecretString),
    ["v2"],
  );
  assert.equal(
    (batch["Errors"] as Array<{ ErrorCode: string }>).map((e) => e.ErrorCode),
    ["ResourceNotFoundException"],
  );
  const stage = await aws.json(
    "update-secret-version-stage",
    "--secret-id",
    "cli/app",
    "--version-stage",
    "blue",
    "--move-to-version-id",
    String(updated["VersionId"]),
  );
  assert.is(stage["Name"], "cli/app");
  const deletion = await aws.json("delete-secret", "--secret-id", "cli/app", "--recovery-window-in-days", "7");
  assert.ok(typeof deletion["DeletionDate"] === "number");
  assert.match(await aws.failure("get-secret-value", "--secret-id", "cli/app"), /InvalidRequestException/);
  await aws.json("restore-secret", "--secret-id", "cli/app");
  assert.is((await aws.json("get-secret-value", "--secret-id", "cli/app"))["SecretString"], "v2");
  await aws.json("delete-secret", "--secret-id", "cli/app", "--force-delete-without-recovery");
  assert.match(await aws.failure("describe-secret", "--secret-id", "cli/app"), /ResourceNotFoundException/);
  const password = await aws.json("get-random-password", "--password-length", "20", "--exclude-punctuation");
  assert.match(String(password["RandomPassword"]), /^[A-Za-z0-9]{20}$/);
  assert.match(await aws.failure("get-random-password", "--password-length", "2"), /InvalidParameterException/);
});

Cli("a read-only principal reads, and its write is refused with AWS's AccessDeniedException", async ({ app }) => {
  const skip = awsCliUnavailable();
  if (skip !== undefined) return void process.stdout.write(`\n  skipped: the AWS CLI access test: ${skip}\n`);
  const reader = user("cli-reader", { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" });
  writePrincipals(app.config.principalsFile, [reader]);
  await awsCli(app).json("create-secret", "--name", "cli/readonly", "--secret-string", "r1");
  const asReader = awsCli(app, reader);
  assert.is((await asReader.json("get-secret-value", "--secret-id", "cli/readonly"))["SecretString"], "r1");
  const refused = await asReader.failure("put-secret-value", "--secret-id", "cli/readonly", "--secret-string", "r2");
  assert.match(
    refused,
    /An error occurred \(AccessDeniedException\) when calling the PutSecretValue operation: User: arn:aws:iam::123456789012:user\/cli-reader is not authorized to perform: secretsmanager:PutSecretValue on resource: arn:aws:secretsmanager:[a-z0-9-]+:123456789012:secret:cli\/readonly-\w{6} because no identity-based policy allows the secretsmanager:PutSecretValue action/,
  );
});

Cli.run();
