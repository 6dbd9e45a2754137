/* eslint-disable max-lines -- Over 300 lines: one suite per AWS operation group of the wire contract, sharing one
   service; splitting it would start a service per file. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { startTestApp, type TestApp } from "../support/app.js";
import { rawRequest } from "../support/raw.js";
import { sdkError } from "../support/sdk.js";
import { told } from "../support/hooks.js";

const Api = suite<{ app: TestApp }>("the API through the JS SDK");
Api.before(
  told(async (ctx) => {
    ctx.app = await startTestApp();
  }),
);
Api.after(told(async ({ app }) => app.stop()));

const token = (): string => randomUUID();
const create = (client: SecretsManagerClient, name: string, value?: string, t = token()) =>
  client.send(
    new CreateSecretCommand({
      Name: name,
      ClientRequestToken: t,
      ...(value === undefined ? {} : { SecretString: value }),
    }),
  );
const stagesById = async (client: SecretsManagerClient, id: string): Promise<Record<string, string[]>> => {
  const listed = await client.send(new ListSecretVersionIdsCommand({ SecretId: id, IncludeDeprecated: true }));
  return Object.fromEntries(
    (listed.Versions ?? []).map((v) => [v.VersionId ?? "", [...(v.VersionStages ?? [])].sort()]),
  );
};

Api(
  "CreateSecret: ARN with a fresh 6-character suffix, VersionId = token, and the same answer on a retry",
  async ({ app }) => {
    const t = token();
    const first = await create(app.client, "idem/create", "v1", t);
    assert.match(first.ARN ?? "", /:secret:idem\/create-[A-Za-z0-9]{6}$/);
    assert.is(first.VersionId, t);
    const retry = await create(app.client, "idem/create", "v1", t);
    assert.equal(
      { ARN: retry.ARN, Name: retry.Name, VersionId: retry.VersionId },
      { ARN: first.ARN, Name: first.Name, VersionId: t },
    );
    const other = await sdkError(create(app.client, "idem/create", "v2", t));
    assert.equal(other, {
      name: "ResourceExistsException",
      message: `You can't use ClientRequestToken ${t} because that value is already in use for a version of secret ${first.ARN}.`,
      status: 400,
      fault: "client",
    });
    const again = await sdkError(create(app.client, "idem/create", "v1"));
    assert.is(again.name, "ResourceExistsException");
    assert.is(again.message, "The operation failed because the secret idem/create already exists.");
    const versions = await stagesById(app.client, "idem/create");
    assert.equal(versions, { [t]: ["AWSCURRENT"] });
  },
);

Api("CreateSecret without a value makes a secret with no version", async ({ app }) => {
  const created = await create(app.client, "empty/one");
  assert.is(created.VersionId, undefined);
  const described = await app.client.send(new DescribeSecretCommand({ SecretId: "empty/one" }));
  assert.is(described.VersionIdsToStages, undefined);
  const got = await sdkError(app.client.send(new GetSecretValueCommand({ SecretId: "empty/one" })));
  assert.is(got.name, "ResourceNotFoundException");
  assert.is(got.message, "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT");
  // Its first version gets AWSCURRENT even when only AWSPENDING was asked for.
  const put = await app.client.send(
    new PutSecretValueCommand({
      SecretId: "empty/one",
      SecretString: "x",
      VersionStages: ["AWSPENDING"],
      ClientRequestToken: token(),
    }),
  );
  assert.equal([...(put.VersionStages ?? [])].sort(), ["AWSCURRENT", "AWSPENDING"]);
});

Api("PutSecretValue idempotency: same token and value changes nothing; another value is refused", async ({ app }) => {
  await create(app.client, "idem/put", "v1");
  const t = token();
  const first = await app.client.send(
    new PutSecretValueCommand({ SecretId: "idem/put", SecretString: "v2", ClientRequestToken: t }),
  );
  const before = await stagesById(app.client, "idem/put");
  const retry = await app.client.send(
    new PutSecretValueCommand({ SecretId: "idem/put", SecretString: "v2", ClientRequestToken: t }),
  );
  assert.equal({ ...retry, $metadata: undefined }, { ...first, $metadata: undefined });
  assert.equal(await stagesById(app.client, "idem/put"), before);
  const conflict = await sdkError(
    app.client.send(new PutSecretValueCommand({ SecretId: "idem/put", SecretString: "v3", ClientRequestToken: t })),
  );
  assert.is(conflict.name, "ResourceExistsException");
  assert.match(
    conflict.message,
    new RegExp(`^You can't use ClientRequestToken ${t} because that value is already in use`),
  );
  const asBinary = await sdkError(
    app.client.send(
      new PutSecretValueCommand({ SecretId: "idem/put", SecretBinary: Buffer.from("v2"), ClientRequestToken: t }),
    ),
  );
  assert.is(asBinary.name, "ResourceExistsException");
  assert.equal(await stagesById(app.client, "idem/put"), before);
});

Api("a request without ClientRequestToken (raw HTTP; SDKs fill one in) is refused", async ({ app }) => {
  await create(app.client, "raw/token", "v1");
  const raw = rawRequest(app);
  const put = await raw.send("secretsmanager.PutSecretValue", { SecretId: "raw/token", SecretString: "x" });
  const created = await raw.send("secretsmanager.CreateSecret", { Name: "raw/token2", SecretString: "x" });
  raw.close();
  for (const r of [put, created]) {
    assert.is(r.status, 400);
    assert.equal(r.json, {
      __type: "InvalidRequestException",
      Message: "You must provide a ClientRequestToken value. We recommend a UUID-type value.",
    });
  }
});

Api(
  "PutSecretValue moves AWSCURRENT and AWSPREVIOUS; listed labels move; deprecated versions are hidden",
  async ({ app }) => {
    const [a, b, c, d] = [token(), token(), token(), token()];
    await create(app.client, "labels/one", "a", a);
    await app.client.send(
      new PutSecretValueCommand({ SecretId: "labels/one", SecretString: "b", ClientRequestToken: b }),
    );
    assert.equal(await stagesById(app.client, "labels/one"), { [a]: ["AWSPREVIOUS"], [b]: ["AWSCURRENT"] });
    await app.client.send(
      new PutSecretValueCommand({ SecretId: "labels/one", SecretString: "c", ClientRequestToken: c }),
    );
    assert.equal(await stagesById(app.client, "labels/one"), { [a]: [], [b]: ["AWSPREVIOUS"], [c]: ["AWSCURRENT"] });
    const pending = await app.client.send(
      new PutSecretValueCommand({
        SecretId: "labels/one",
        SecretString: "d",
        ClientRequestToken: d,
        VersionStages: ["AWSPENDING", "blue"],
      }),
    );
    assert.equal([...(pending.VersionStages ?? [])].sort(), ["AWSPENDING", "blue"]);
    const visible = await app.client.send(new ListSecretVersionIdsCommand({ SecretId: "labels/one" }));
    assert.equal((visible.Versions ?? []).map((v) => v.VersionId).sort(), [b, c, d].sort());
    const deprecated = (
      await app.client.send(new ListSecretVersionIdsCommand({ SecretId: "labels/one", IncludeDeprecated: true }))
    ).Versions?.find((v) => v.VersionId === a);
    assert.ok(deprecated);
    assert.is(deprecated?.VersionStages, undefined);
    assert.equal(deprecated?.KmsKeyIds, ["DefaultEncryptionKey"]);
    const described = await app.client.send(new DescribeSecretCommand({ SecretId: "labels/one" }));
    assert.equal(Object.keys(described.VersionIdsToStages ?? {}).sort(), [b, c, d].sort());
    assert.ok(described.CreatedDate instanceof Date && described.LastChangedDate instanceof Date);
    // A deprecated version stays readable by its VersionId until it is pruned.
    const old = await app.client.send(new GetSecretValueCommand({ SecretId: "labels/one", VersionId: a }));
    assert.is(old.SecretString, "a");
    assert.equal(old.VersionStages, []);
  },
);

Api(
  "UpdateSecretVersionStage promotes AWSPENDING, rolls back, and refuses a move without RemoveFromVersionId",
  async ({ app }) => {
    const [a, b] = [token(), token()];
    await create(app.client, "labels/rotate", "a", a);
    await app.client.send(
      new PutSecretValueCommand({
        SecretId: "labels/rotate",
        SecretString: "b",
        ClientRequestToken: b,
        VersionStages: ["AWSPENDING"],
      }),
    );
    const refused = await sdkError(
      app.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: "labels/rotate",
          VersionStage: "AWSCURRENT",
          MoveToVersionId: b,
        }),
      ),
    );
    assert.equal(refused, {
      name: "InvalidParameterException",
      message: `The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version ${a}, so you must explicitly reference that version in RemoveFromVersionId.`,
      status: 400,
      fault: "client",
    });
    const moved = await app.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: "labels/rotate",
        VersionStage: "AWSCURRENT",
        MoveToVersionId: b,
        RemoveFromVersionId: a,
      }),
    );
    assert.match(moved.ARN ?? "", /:secret:labels\/rotate-/);
    assert.equal(await stagesById(app.client, "labels/rotate"), {
      [a]: ["AWSPREVIOUS"],
      [b]: ["AWSCURRENT", "AWSPENDING"],
    });
    await app.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: "labels/rotate",
        VersionStage: "AWSCURRENT",
        MoveToVersionId: a,
        RemoveFromVersionId: b,
      }),
    );
    assert.equal(await stagesById(app.client, "labels/rotate"), {
      [a]: ["AWSCURRENT"],
      [b]: ["AWSPENDING", "AWSPREVIOUS"],
    });
    assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "labels/rotate" }))).SecretString, "a");
  },
);

Api(
  "GetSecretValue by name, full ARN, partial ARN, VersionId and VersionStage; binary values round-trip",
  async ({ app }) => {
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    const t = token();
    const created = await app.client.send(
      new CreateSecretCommand({ Name: "get/bin", SecretBinary: bytes, ClientRequestToken: t }),
    );
    const arn = created.ARN ?? "";
    for (const id of ["get/bin", arn, arn.slice(0, -7)]) {
      const got = await app.client.send(new GetSecretValueCommand({ SecretId: id }));
      assert.equal(Buffer.from(got.SecretBinary ?? new Uint8Array()), bytes, id);
      assert.is(got.SecretString, undefined);
      assert.is(got.ARN, arn);
    }
    const both = await app.client.send(
      new GetSecretValueCommand({ SecretId: "get/bin", VersionId: t, VersionStage: "AWSCURRENT" }),
    );
    assert.is(both.VersionId, t);
    const mismatch = await sdkError(
      app.client.send(new GetSecretValueCommand({ SecretId: "get/bin", VersionId: t, VersionStage: "AWSPENDING" })),
    );
    assert.equal(
      [mismatch.name, mismatch.message],
      ["InvalidRequestException", "You provided a VersionStage that is not associated to the provided VersionId."],
    );
    const noVersion = await sdkError(
      app.client.send(new GetSecretValueCommand({ SecretId: "get/bin", VersionId: "x".repeat(32) })),
    );
    assert.equal(
      [noVersion.name, noVersion.message],
      [
        "ResourceNotFoundException",
        `Secrets Manager can't find the specified secret value for VersionId: ${"x".repeat(32)}`,
      ],
    );
    const foreign = await sdkError(
      app.client.send(new GetSecretValueCommand({ SecretId: arn.replace("123456789012", "999999999999") })),
    );
    assert.is(foreign.name, "ResourceNotFoundException");
    const wrongSuffix = await sdkError(
      app.client.send(new GetSecretValueCommand({ SecretId: arn.slice(0, -6) + "zzzzzz" })),
    );
    assert.is(wrongSuffix.name, "ResourceNotFoundException");
  },
);

Api(
  "a name that ends like an ARN suffix is found by name and full ARN, not by partial ARN (as on AWS)",
  async ({ app }) => {
    const created = await create(app.client, "tricky-abcdef", "v");
    assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "tricky-abcdef" }))).SecretString, "v");
    assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: created.ARN ?? "" }))).SecretString, "v");
    // Its partial ARN ends in "-abcdef": AWS reads it as the full ARN of a secret "tricky", which does not exist.
    const partial = await sdkError(
      app.client.send(new GetSecretValueCommand({ SecretId: (created.ARN ?? "").slice(0, -7) })),
    );
    assert.equal(
      [partial.name, partial.message],
      ["ResourceNotFoundException", "Secrets Manager can't find the specified secret."],
    );
  },
);

Api("unknown secrets, bad names and broken constraints get AWS's errors and change nothing", async ({ app }) => {
  const missing = await sdkError(app.client.send(new DescribeSecretCommand({ SecretId: "does/not/exist" })));
  assert.equal(missing, {
    name: "ResourceNotFoundException",
    message: "Secrets Manager can't find the specified secret.",
    status: 400,
    fault: "client",
  });
  const badName = await sdkError(create(app.client, "bad name!", "v"));
  assert.equal(
    [badName.name, badName.message],
    [
      "ValidationException",
      "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
    ],
  );
  const badId = await sdkError(app.client.send(new GetSecretValueCommand({ SecretId: "semi;colon" })));
  assert.is(badId.name, "ValidationException");
  const tooLong = await sdkError(create(app.client, "n".repeat(513), "v"));
  assert.is(tooLong.name, "ValidationException");
  assert.match(tooLong.message, /Member must have length less than or equal to 512/);
  const tooManyStages = await sdkError(
    app.client.send(
      new PutSecretValueCommand({
        SecretId: "x",
        SecretString: "v",
        ClientRequestToken: token(),
        VersionStages: Array.from({ length: 21 }, (_, i) => `l${i}`),
      }),
    ),
  );
  assert.match(
    tooManyStages.message,
    /at 'versionStages' failed to satisfy constraint: Member must have length less than or equal to 20/,
  );
  const both = await sdkError(
    app.client.send(
      new CreateSecretCommand({
        Name: "both/values",
        SecretString: "s",
        SecretBinary: Buffer.from("b"),
        ClientRequestToken: token(),
      }),
    ),
  );
  assert.is(both.name, "InvalidParameterException");
  const neither = await sdkError(
    app.client.send(new PutSecretValueCommand({ SecretId: "idem/put", ClientRequestToken: token() })),
  );
  assert.equal(
    [neither.name, neither.message],
    ["InvalidRequestException", "You must provide either SecretString or SecretBinary."],
  );
  const bigValue = await sdkError(create(app.client, "too/big", "é".repeat(40000)));
  assert.is(bigValue.name, "ValidationException");
  assert.not.match(bigValue.message, /é/);
  assert.is(
    (await sdkError(app.client.send(new DescribeSecretCommand({ SecretId: "both/values" })))).name,
    "ResourceNotFoundException",
  );
  assert.is(
    (await sdkError(app.client.send(new DescribeSecretCommand({ SecretId: "too/big" })))).name,
    "ResourceNotFoundException",
  );
});

Api("the wire: headers, epoch-second timestamps, routing and malformed requests", async ({ app }) => {
  const raw = rawRequest(app);
  await create(app.client, "wire/one", "v");
  const ok = await raw.send("secretsmanager.GetSecretValue", { SecretId: "wire/one" });
  assert.is(ok.status, 200);
  assert.is(ok.headers["content-type"], "application/x-amz-json-1.1");
  assert.match(String(ok.headers["x-amzn-requestid"]), /^[0-9a-f-]{36}$/);
  assert.ok(typeof ok.headers["date"] === "string" && !Number.isNaN(Date.parse(ok.headers["date"])));
  assert.is(typeof ok.json["CreatedDate"], "number");
  assert.ok(Math.abs((ok.json["CreatedDate"] as number) - Date.now() / 1000) < 600);

  const cases: Array<[string | undefined, object | string, number, string]> = [
    ["secretsmanager.NoSuchThing", {}, 400, "UnknownOperationException"],
    [undefined, {}, 400, "UnknownOperationException"],
    ["secretsmanager.GetSecretValue", "{not json", 400, "SerializationException"],
    ["secretsmanager.GetSecretValue", "[]", 400, "SerializationException"],
    ["secretsmanager.GetSecretValue", { SecretId: 7 }, 400, "SerializationException"],
    ["secretsmanager.GetSecretValue", "", 400, "ValidationException"],
    // Every operation is served: RotateSecret without a token is refused as AWS refuses it.
    ["secretsmanager.RotateSecret", { SecretId: "wire/one" }, 400, "InvalidParameterException"],
  ];
  for (const [target, body, status, type] of cases) {
    const r = await raw.send(target, body);
    assert.is(r.status, status, `${String(target)} ${JSON.stringify(body)}`);
    assert.is(r.json["__type"], type, `${String(target)} ${JSON.stringify(body)}`);
  }
  // An empty body is `{}`: a request with no required members succeeds.
  raw.close();
});

Api("authentication: every request is signed with the configured key, within 15 minutes", async ({ app }) => {
  const unsigned = rawRequest(app);
  const r1 = await unsigned.send("secretsmanager.GetSecretValue", { SecretId: "wire/one" }, { sign: false });
  assert.equal([r1.status, r1.json["__type"]], [400, "MissingAuthenticationTokenException"]);
  unsigned.close();

  const stranger = new (await import("../../src/client/aws-json-client.js")).AwsJsonClient(
    app.endpoint,
    { accessKeyId: "AKIDNOBODY", secretAccessKey: "x" },
    app.config.region,
  );
  const r2 = await stranger.send("secretsmanager.GetSecretValue", { SecretId: "wire/one" });
  assert.equal(r2.json, {
    __type: "UnrecognizedClientException",
    message: "The security token included in the request is invalid.",
  });
  stranger.close();

  const wrongSecret = new (await import("../../src/client/aws-json-client.js")).AwsJsonClient(
    app.endpoint,
    { accessKeyId: app.credentials.accessKeyId, secretAccessKey: "wrong" },
    app.config.region,
  );
  const r3 = await wrongSecret.send("secretsmanager.GetSecretValue", { SecretId: "wire/one" });
  assert.is(r3.json["__type"], "InvalidSignatureException");
  assert.not.match(r3.body, /Signature=|[0-9a-f]{64}/);
  wrongSecret.close();

  const late = rawRequest(app, () => Date.now() - 20 * 60 * 1000);
  const r4 = await late.send("secretsmanager.GetSecretValue", { SecretId: "wire/one" });
  assert.is(r4.json["__type"], "InvalidSignatureException");
  assert.match(String(r4.json["message"]), /^Signature expired/);
  late.close();

  const otherRegion = new (await import("../../src/client/aws-json-client.js")).AwsJsonClient(
    app.endpoint,
    app.credentials,
    "eu-west-3",
  );
  assert.is(
    (await otherRegion.send("secretsmanager.GetSecretValue", { SecretId: "wire/one" })).json["__type"],
    "InvalidSignatureException",
  );
  otherRegion.close();
});

Api.run();
