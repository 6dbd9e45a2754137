import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { startTestApp, type TestApp } from "../support/app.js";
import { sdkError } from "../support/sdk.js";
import { told } from "../support/hooks.js";

const Batch = suite<{ app: TestApp }>("BatchGetSecretValue");
Batch.before(
  told(async (ctx) => {
    ctx.app = await startTestApp();
    for (let i = 0; i < 5; i++)
      await ctx.app.client.send(
        new CreateSecretCommand({ Name: `batch/s${i}`, SecretString: `value-${i}`, ClientRequestToken: randomUUID() }),
      );
    await ctx.app.client.send(
      new CreateSecretCommand({
        Name: "batch/bin",
        SecretBinary: Buffer.from([1, 2, 3]),
        ClientRequestToken: randomUUID(),
      }),
    );
    await ctx.app.client.send(new CreateSecretCommand({ Name: "batch/empty", ClientRequestToken: randomUUID() }));
    await ctx.app.client.send(
      new CreateSecretCommand({ Name: "batch/doomed", SecretString: "x", ClientRequestToken: randomUUID() }),
    );
    await ctx.app.client.send(new DeleteSecretCommand({ SecretId: "batch/doomed" }));
  }),
);
Batch.after(told(async ({ app }) => app.stop()));

Batch("by SecretIdList: each value, and each failure in Errors without failing the call", async ({ app }) => {
  const got = await app.client.send(
    new BatchGetSecretValueCommand({
      SecretIdList: ["batch/s0", "batch/bin", "batch/none", "batch/empty", "batch/doomed", "bad name!"],
    }),
  );
  assert.equal(
    (got.SecretValues ?? []).map((v) => [
      v.Name,
      v.SecretString ?? Buffer.from(v.SecretBinary ?? []).toString("hex"),
      v.VersionStages,
    ]),
    [
      ["batch/s0", "value-0", ["AWSCURRENT"]],
      ["batch/bin", "010203", ["AWSCURRENT"]],
    ],
  );
  const errors: Record<string, string> = Object.fromEntries(
    (got.Errors ?? []).map((e) => [e.SecretId ?? "", e.ErrorCode ?? ""] as const),
  );
  assert.equal(errors, {
    "batch/none": "ResourceNotFoundException",
    "batch/empty": "ResourceNotFoundException",
    "batch/doomed": "InvalidRequestException",
    "bad name!": "ValidationException",
  });
  // Reads through the batch count as reads.
  assert.ok((await app.client.send(new DescribeSecretCommand({ SecretId: "batch/s0" }))).LastAccessedDate);
});

Batch("by Filters, a page at a time", async ({ app }) => {
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await app.client.send(
      new BatchGetSecretValueCommand({
        Filters: [{ Key: "name", Values: ["batch/s"] }],
        MaxResults: 2,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    pages++;
    seen.push(...(page.SecretValues ?? []).map((v) => v.SecretString ?? ""));
    token = page.NextToken;
  } while (token !== undefined);
  assert.equal(seen, ["value-0", "value-1", "value-2", "value-3", "value-4"]);
  assert.is(pages, 3);
});

Batch("SecretIdList and Filters are exclusive; MaxResults needs Filters", async ({ app }) => {
  const both = await sdkError(
    app.client.send(
      new BatchGetSecretValueCommand({ SecretIdList: ["batch/s0"], Filters: [{ Key: "name", Values: ["x"] }] }),
    ),
  );
  assert.equal(
    [both.name, both.message],
    ["InvalidParameterException", "Either 'SecretIdList' or 'Filters' must be provided, but not both."],
  );
  assert.is((await sdkError(app.client.send(new BatchGetSecretValueCommand({})))).name, "InvalidParameterException");
  const max = await sdkError(
    app.client.send(new BatchGetSecretValueCommand({ SecretIdList: ["batch/s0"], MaxResults: 2 })),
  );
  assert.is(max.name, "InvalidParameterException");
  const tooMany = await sdkError(
    app.client.send(new BatchGetSecretValueCommand({ SecretIdList: Array.from({ length: 21 }, (_, i) => `s${i}`) })),
  );
  assert.is(tooMany.name, "ValidationException");
});

Batch.run();
