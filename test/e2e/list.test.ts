import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  paginateListSecrets,
  type ListSecretsCommandInput,
  type SecretListEntry,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { startTestApp, type TestApp } from "../support/app.js";
import { sdkError } from "../support/sdk.js";
import { told } from "../support/hooks.js";

let now = Date.UTC(2026, 10, 27, 12, 0, 0);
const List = suite<{ app: TestApp }>("ListSecrets and ListSecretVersionIds");
List.before(
  told(async (ctx) => {
    ctx.app = await startTestApp({ clock: () => now });
    const secrets: Array<[string, string, Array<[string, string]>]> = [
      ["b/payments", "payments database", [["team", "pay"]]],
      ["a/orders", "orders queue", [["team", "ops"]]],
      ["c/search", "", []],
      ["a/audit", "audit trail", [["env", "prod"]]],
      ["d/scheduled", "to be deleted", []],
    ];
    for (const [name, description, tags] of secrets) {
      now += 1000;
      await ctx.app.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: "v",
          ClientRequestToken: randomUUID(),
          ...(description === "" ? {} : { Description: description }),
          ...(tags.length === 0 ? {} : { Tags: tags.map(([Key, Value]) => ({ Key, Value })) }),
        }),
      );
    }
    await ctx.app.client.send(new DeleteSecretCommand({ SecretId: "d/scheduled", RecoveryWindowInDays: 7 }));
  }),
);
List.after(told(async ({ app }) => app.stop()));

const names = (list: SecretListEntry[] | undefined): string[] => (list ?? []).map((s) => s.Name ?? "");

List("by creation date, ascending by default; scheduled secrets only on request", async ({ app }) => {
  const listed = await app.client.send(new ListSecretsCommand({}));
  assert.equal(names(listed.SecretList), ["b/payments", "a/orders", "c/search", "a/audit"]);
  assert.is(listed.NextToken, undefined);
  const entry = listed.SecretList?.[0];
  assert.ok(entry?.SecretVersionsToStages && entry.CreatedDate && entry.LastChangedDate && entry.ARN);
  assert.is(entry?.Description, "payments database");
  assert.is(listed.SecretList?.[2]?.Description, undefined);
  const all = await app.client.send(new ListSecretsCommand({ IncludePlannedDeletion: true }));
  assert.equal(names(all.SecretList).at(-1), "d/scheduled");
  assert.ok(all.SecretList?.at(-1)?.DeletedDate);
});

List("sorted by name or date, either way", async ({ app }) => {
  const byName = await app.client.send(new ListSecretsCommand({ SortBy: "name" }));
  assert.equal(names(byName.SecretList), ["a/audit", "a/orders", "b/payments", "c/search"]);
  const byNameDesc = await app.client.send(new ListSecretsCommand({ SortBy: "name", SortOrder: "desc" }));
  assert.equal(names(byNameDesc.SecretList), ["c/search", "b/payments", "a/orders", "a/audit"]);
  const newest = await app.client.send(new ListSecretsCommand({ SortOrder: "desc" }));
  assert.equal(names(newest.SecretList), ["a/audit", "c/search", "a/orders", "b/payments"]);
});

List("filters, through the SDK", async ({ app }) => {
  const filtered = async (
    Filters: Array<{ Key: "name" | "description" | "tag-key" | "tag-value" | "all"; Values: string[] }>,
  ) => names((await app.client.send(new ListSecretsCommand({ Filters, SortBy: "name" }))).SecretList);
  assert.equal(await filtered([{ Key: "name", Values: ["a/"] }]), ["a/audit", "a/orders"]);
  assert.equal(await filtered([{ Key: "name", Values: ["!a/"] }]), ["b/payments", "c/search"]);
  assert.equal(await filtered([{ Key: "description", Values: ["DATA"] }]), ["b/payments"]);
  assert.equal(
    await filtered([
      { Key: "tag-key", Values: ["team"] },
      { Key: "tag-value", Values: ["op"] },
    ]),
    ["a/orders"],
  );
  assert.equal(await filtered([{ Key: "all", Values: ["audit"] }]), ["a/audit"]);
  assert.equal(await filtered([{ Key: "all", Values: ["prod"] }]), ["a/audit"]);
  const badKey = await sdkError(
    app.client.send(new ListSecretsCommand({ Filters: [{ Key: "colour" as "name", Values: ["x"] }] })),
  );
  assert.is(badKey.name, "ValidationException");
  const badValue = await sdkError(
    app.client.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: ["semi;colon"] }] })),
  );
  assert.is(badValue.name, "ValidationException");
});

List("pages: every secret once, in order; the SDK's paginator follows the tokens", async ({ app }) => {
  const seen: string[] = [];
  let pages = 0;
  for await (const page of paginateListSecrets({ client: app.client, pageSize: 1 }, { SortBy: "name" })) {
    pages++;
    seen.push(...names(page.SecretList));
  }
  assert.equal(seen, ["a/audit", "a/orders", "b/payments", "c/search"]);
  assert.is(pages, 4);
});

List("a filtered listing pages too, either way, from what the filter's index lets through", async ({ app }) => {
  for (const [order, expected] of [
    ["asc", ["a/audit", "a/orders", "b/payments"]],
    ["desc", ["b/payments", "a/orders", "a/audit"]],
  ] as const) {
    const seen: string[] = [];
    let pages = 0;
    const input: ListSecretsCommandInput = {
      SortBy: "name",
      SortOrder: order,
      Filters: [{ Key: "tag-key", Values: ["team", "env"] }],
    };
    for await (const page of paginateListSecrets({ client: app.client, pageSize: 2 }, input)) {
      pages++;
      seen.push(...names(page.SecretList));
    }
    assert.equal(seen, expected);
    assert.is(pages, 2);
  }
});

List("a page token is good for its own listing only, and cannot be forged", async ({ app }) => {
  const first = await app.client.send(new ListSecretsCommand({ MaxResults: 1, SortBy: "name" }));
  const token = first.NextToken ?? "";
  assert.ok(token.length > 0);
  const next = await app.client.send(new ListSecretsCommand({ MaxResults: 1, SortBy: "name", NextToken: token }));
  assert.equal(names(next.SecretList), ["a/orders"]);
  for (const bad of [
    token.slice(1),
    `${token}x`,
    "garbage",
    token.replace(/^[^.]+/, Buffer.from('["zzz","zzz"]').toString("base64url")),
  ]) {
    const e = await sdkError(
      app.client.send(new ListSecretsCommand({ MaxResults: 1, SortBy: "name", NextToken: bad })),
    );
    assert.is(e.name, "InvalidNextTokenException", bad);
  }
  const otherQuery = await sdkError(
    app.client.send(new ListSecretsCommand({ MaxResults: 1, SortBy: "created-date", NextToken: token })),
  );
  assert.is(otherQuery.name, "InvalidNextTokenException");
});

List("ListSecretVersionIds pages newest first, and its tokens are checked too", async ({ app }) => {
  for (let i = 0; i < 4; i++) {
    now += 1000;
    await app.client.send(
      new PutSecretValueCommand({ SecretId: "c/search", SecretString: `v${i}`, ClientRequestToken: randomUUID() }),
    );
  }
  const all = await app.client.send(new ListSecretVersionIdsCommand({ SecretId: "c/search", IncludeDeprecated: true }));
  assert.is(all.Versions?.length, 5);
  const seen: string[] = [];
  let token: string | undefined;
  do {
    const page = await app.client.send(
      new ListSecretVersionIdsCommand({
        SecretId: "c/search",
        IncludeDeprecated: true,
        MaxResults: 2,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    seen.push(...(page.Versions ?? []).map((v) => v.VersionId ?? ""));
    token = page.NextToken;
  } while (token !== undefined);
  assert.equal(
    seen,
    (all.Versions ?? []).map((v) => v.VersionId ?? ""),
  );
  const createdDates = (all.Versions ?? []).map((v) => v.CreatedDate?.getTime() ?? 0);
  assert.equal(
    createdDates,
    [...createdDates].sort((a, b) => b - a),
  );
  const forged = await sdkError(
    app.client.send(new ListSecretVersionIdsCommand({ SecretId: "c/search", NextToken: "eyJ4IjoxfQ" })),
  );
  assert.is(forged.name, "InvalidNextTokenException");
});

List.run();
