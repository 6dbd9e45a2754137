import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DeleteSecretCommand,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
  ValidateResourcePolicyCommand,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { startTestApp, type TestApp } from "../support/app.js";
import { sdkError } from "../support/sdk.js";
import { told } from "../support/hooks.js";

const Policy = suite<{ app: TestApp }>("resource policies");
Policy.before(
  told(async (ctx) => {
    ctx.app = await startTestApp();
    await ctx.app.client.send(
      new CreateSecretCommand({ Name: "pol/one", SecretString: "v", ClientRequestToken: randomUUID() }),
    );
  }),
);
Policy.after(told(async ({ app }) => app.stop()));

const doc = (principal: unknown) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: principal, Action: "secretsmanager:GetSecretValue", Resource: "*" }],
  });

Policy("put, get, delete: stored as written, absent once deleted", async ({ app }) => {
  assert.is((await app.client.send(new GetResourcePolicyCommand({ SecretId: "pol/one" }))).ResourcePolicy, undefined);
  const text = doc({ AWS: "arn:aws:iam::123456789012:role/app" });
  const put = await app.client.send(new PutResourcePolicyCommand({ SecretId: "pol/one", ResourcePolicy: text }));
  assert.match(put.ARN ?? "", /:secret:pol\/one-/);
  const got = await app.client.send(new GetResourcePolicyCommand({ SecretId: "pol/one" }));
  assert.is(got.ResourcePolicy, text);
  assert.is(got.Name, "pol/one");
  await app.client.send(new DeleteResourcePolicyCommand({ SecretId: "pol/one" }));
  assert.is((await app.client.send(new GetResourcePolicyCommand({ SecretId: "pol/one" }))).ResourcePolicy, undefined);
  await app.client.send(new DeleteResourcePolicyCommand({ SecretId: "pol/one" }));
});

Policy("a malformed policy is refused; a public one only when BlockPublicPolicy is set", async ({ app }) => {
  const malformed = await sdkError(
    app.client.send(new PutResourcePolicyCommand({ SecretId: "pol/one", ResourcePolicy: "{nope" })),
  );
  assert.is(malformed.name, "MalformedPolicyDocumentException");
  const blocked = await sdkError(
    app.client.send(
      new PutResourcePolicyCommand({ SecretId: "pol/one", ResourcePolicy: doc("*"), BlockPublicPolicy: true }),
    ),
  );
  assert.is(blocked.name, "PublicPolicyException");
  assert.is((await app.client.send(new GetResourcePolicyCommand({ SecretId: "pol/one" }))).ResourcePolicy, undefined);
  await app.client.send(new PutResourcePolicyCommand({ SecretId: "pol/one", ResourcePolicy: doc("*") }));
  assert.is((await app.client.send(new GetResourcePolicyCommand({ SecretId: "pol/one" }))).ResourcePolicy, doc("*"));
});

Policy("ValidateResourcePolicy reports instead of refusing", async ({ app }) => {
  const ok = await app.client.send(
    new ValidateResourcePolicyCommand({ ResourcePolicy: doc({ AWS: "arn:aws:iam::1:root" }) }),
  );
  assert.equal([ok.PolicyValidationPassed, ok.ValidationErrors], [true, []]);
  const open = await app.client.send(
    new ValidateResourcePolicyCommand({ SecretId: "pol/one", ResourcePolicy: doc("*") }),
  );
  assert.is(open.PolicyValidationPassed, false);
  assert.is(open.ValidationErrors?.[0]?.CheckName, "BROAD_ACCESS_CHECKING");
  const broken = await app.client.send(new ValidateResourcePolicyCommand({ ResourcePolicy: "{}" }));
  assert.is(broken.ValidationErrors?.[0]?.CheckName, "SYNTAX_CHECKING");
  const missing = await sdkError(
    app.client.send(new ValidateResourcePolicyCommand({ SecretId: "pol/none", ResourcePolicy: doc("*") })),
  );
  assert.is(missing.name, "ResourceNotFoundException");
});

Policy("policy operations on a secret scheduled for deletion are refused", async ({ app }) => {
  await app.client.send(
    new CreateSecretCommand({ Name: "pol/doomed", SecretString: "v", ClientRequestToken: randomUUID() }),
  );
  await app.client.send(new DeleteSecretCommand({ SecretId: "pol/doomed" }));
  for (const call of [
    app.client.send(new PutResourcePolicyCommand({ SecretId: "pol/doomed", ResourcePolicy: doc("*") })),
    app.client.send(new GetResourcePolicyCommand({ SecretId: "pol/doomed" })),
    app.client.send(new DeleteResourcePolicyCommand({ SecretId: "pol/doomed" })),
  ])
    assert.is((await sdkError(call)).name, "InvalidRequestException");
});

Policy.run();
