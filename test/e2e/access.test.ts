import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  ListSecretsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { clientAs, startTestApp, user, writePrincipals, type TestApp, type TestUser } from "../support/app.js";
import { sdkError } from "../support/sdk.js";
import { tempDir } from "../support/nats.js";
import { told } from "../support/hooks.js";

const ACCOUNT = "123456789012";
const admin = user("admin", { Effect: "Allow", Action: "secretsmanager:*", Resource: "*" });
const reader = user("reader", {
  Effect: "Allow",
  Action: ["secretsmanager:Get*", "secretsmanager:Describe*", "secretsmanager:List*", "secretsmanager:BatchGet*"],
  Resource: "*",
});
const outsider = user("outsider");

type Ctx = { app: TestApp; file: string; as: Record<string, SecretsManagerClient>; arn: string; other: string };
const Access = suite<Ctx>("who may do what: principals, identity and resource policies");

Access.before(
  told(async (ctx) => {
    ctx.file = join(tempDir("principals"), "principals.json");
    writePrincipals(ctx.file, [admin, reader, outsider]);
    ctx.app = await startTestApp({ principalsFile: ctx.file });
    ctx.as = Object.fromEntries([admin, reader, outsider].map((u) => [u.name, clientAs(ctx.app, u)]));
    const created = await ctx.as["admin"]?.send(
      new CreateSecretCommand({ Name: "team/db", SecretString: "s3cr3t", ClientRequestToken: randomUUID() }),
    );
    ctx.arn = created?.ARN ?? "";
    const other = await ctx.as["admin"]?.send(
      new CreateSecretCommand({ Name: "team/other", SecretString: "o", ClientRequestToken: randomUUID() }),
    );
    ctx.other = other?.ARN ?? "";
  }),
);
Access.after(
  told(async ({ app, as }) => {
    for (const c of Object.values(as)) c.destroy();
    await app.stop();
  }),
);

const as = (ctx: Ctx, who: TestUser): SecretsManagerClient => ctx.as[who.name] as SecretsManagerClient;

Access("a read-only principal reads, and is refused a write with AWS's AccessDeniedException", async (ctx) => {
  const got = await as(ctx, reader).send(new GetSecretValueCommand({ SecretId: "team/db" }));
  assert.is(got.SecretString, "s3cr3t");
  await as(ctx, reader).send(new DescribeSecretCommand({ SecretId: "team/db" }));
  await as(ctx, reader).send(new ListSecretsCommand({}));
  const refused = await sdkError(
    as(ctx, reader).send(
      new PutSecretValueCommand({ SecretId: "team/db", SecretString: "mine", ClientRequestToken: randomUUID() }),
    ),
  );
  assert.equal(refused, {
    name: "AccessDeniedException",
    message: `User: arn:aws:iam::${ACCOUNT}:user/reader is not authorized to perform: secretsmanager:PutSecretValue on resource: ${ctx.arn} because no identity-based policy allows the secretsmanager:PutSecretValue action`,
    status: 400,
    fault: "client",
  });
  // Nothing changed.
  const versions = await ctx.app.client.send(new ListSecretVersionIdsCommand({ SecretId: "team/db" }));
  assert.is(versions.Versions?.length, 1);
  // An operation on no one secret is refused without a resource.
  const password = await sdkError(as(ctx, outsider).send(new GetRandomPasswordCommand({})));
  assert.is(
    password.message,
    `User: arn:aws:iam::${ACCOUNT}:user/outsider is not authorized to perform: secretsmanager:GetRandomPassword because no identity-based policy allows the secretsmanager:GetRandomPassword action`,
  );
  // A secret that does not exist is refused before it is looked up, named as the caller named it.
  const missing = await sdkError(as(ctx, outsider).send(new GetSecretValueCommand({ SecretId: "team/none" })));
  assert.match(missing.message, /on resource: team\/none because/);
});

Access("the full-access principal writes; the bootstrap credentials stay full access", async (ctx) => {
  const put = await as(ctx, admin).send(
    new PutSecretValueCommand({ SecretId: "team/db", SecretString: "v2", ClientRequestToken: randomUUID() }),
  );
  assert.equal(put.VersionStages, ["AWSCURRENT"]);
  // A resource policy that denies everyone binds the admin user, not the root: no policy locks the account out.
  await as(ctx, admin).send(
    new PutResourcePolicyCommand({
      SecretId: "team/other",
      ResourcePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Principal: "*", Action: "secretsmanager:*", Resource: "*" }],
      }),
    }),
  );
  const locked = await sdkError(as(ctx, admin).send(new GetSecretValueCommand({ SecretId: "team/other" })));
  assert.match(locked.message, /with an explicit deny in a resource-based policy$/);
  assert.is((await ctx.app.client.send(new GetSecretValueCommand({ SecretId: "team/other" }))).SecretString, "o");
  await ctx.app.client.send(new DeleteResourcePolicyCommand({ SecretId: "team/other" }));
  const root = await ctx.app.client.send(new GetSecretValueCommand({ SecretId: "team/db" }));
  assert.is(root.SecretString, "v2");
});

Access("a resource policy grants a principal with no identity policy, and denies one that has one", async (ctx) => {
  assert.is(
    (await sdkError(as(ctx, outsider).send(new GetSecretValueCommand({ SecretId: "team/db" })))).name,
    "AccessDeniedException",
  );
  await as(ctx, admin).send(
    new PutResourcePolicyCommand({
      SecretId: "team/db",
      ResourcePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/outsider` },
            Action: "secretsmanager:GetSecretValue",
            Resource: "*",
          },
          {
            Effect: "Deny",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/reader` },
            Action: "secretsmanager:GetSecretValue",
            Resource: "*",
          },
        ],
      }),
    }),
  );
  try {
    assert.is((await as(ctx, outsider).send(new GetSecretValueCommand({ SecretId: "team/db" }))).SecretString, "v2");
    // The grant is for this secret only.
    assert.is(
      (await sdkError(as(ctx, outsider).send(new GetSecretValueCommand({ SecretId: "team/other" })))).name,
      "AccessDeniedException",
    );
    const denied = await sdkError(as(ctx, reader).send(new GetSecretValueCommand({ SecretId: ctx.arn })));
    assert.is(
      denied.message,
      `User: arn:aws:iam::${ACCOUNT}:user/reader is not authorized to perform: secretsmanager:GetSecretValue on resource: ${ctx.arn} with an explicit deny in a resource-based policy`,
    );
    // BatchGetSecretValue reports the refused secret in its place and returns the others.
    const batch = await as(ctx, reader).send(
      new BatchGetSecretValueCommand({ SecretIdList: ["team/db", "team/other"] }),
    );
    assert.equal(
      batch.SecretValues?.map((v) => v.Name),
      ["team/other"],
    );
    assert.equal(
      batch.Errors?.map((e) => [e.SecretId, e.ErrorCode]),
      [["team/db", "AccessDeniedException"]],
    );
  } finally {
    await as(ctx, admin).send(new DeleteResourcePolicyCommand({ SecretId: "team/db" }));
  }
});

Access("the principals file is read again when it changes, without a restart", async (ctx) => {
  const writer = user("reader", {
    Effect: "Allow",
    Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
    Resource: `arn:aws:secretsmanager:${ctx.app.config.region}:${ACCOUNT}:secret:team/db-??????`,
  });
  writePrincipals(ctx.file, [admin, writer, outsider]);
  await as(ctx, reader).send(
    new PutSecretValueCommand({ SecretId: "team/db", SecretString: "by reader", ClientRequestToken: randomUUID() }),
  );
  assert.is((await sdkError(as(ctx, reader).send(new ListSecretsCommand({})))).name, "AccessDeniedException");
  // A file that does not parse is reported and the last good one kept.
  const logged = ctx.app.logged.length;
  writeFileSync(ctx.file, "{ half an edit", { mode: 0o600 });
  assert.is((await as(ctx, reader).send(new GetSecretValueCommand({ SecretId: "team/db" }))).SecretString, "by reader");
  assert.ok(
    ctx.app.logged
      .slice(logged)
      .some((l) => l["msg"] === "principals file not reloaded; the previous one stays in use"),
  );
  // A user taken out of the file is no longer known.
  writePrincipals(ctx.file, [admin, outsider]);
  const gone = await sdkError(as(ctx, reader).send(new GetSecretValueCommand({ SecretId: "team/db" })));
  assert.is(gone.name, "UnrecognizedClientException");
  writePrincipals(ctx.file, [admin, reader, outsider]);
});

Access.run();
