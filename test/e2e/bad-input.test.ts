import { suite } from "uvu";
import * as assert from "uvu/assert";
import { GetSecretValueCommand, PutSecretValueCommand, CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { startTestApp, type TestApp } from "../support/app.js";
import { rawRequest } from "../support/raw.js";
import { seededRandom } from "../support/random.js";
import { operationNames } from "../../src/api/model.js";
import serviceModel from "../../src/api/model/secretsmanager-2017-10-17.json" with { type: "json" };
import { told } from "../support/hooks.js";

// Bad input gets a 400 with an AWS error type, changes nothing, and never takes the process down.

// Every operation of the model, and every member name of any input shape, so new operations are covered too.
const OPERATIONS = operationNames;
const MEMBERS = [
  ...new Set(
    Object.values(serviceModel.shapes as Record<string, { members?: Record<string, unknown> }>).flatMap((shape) =>
      Object.keys(shape.members ?? {}),
    ),
  ),
];

const random = seededRandom(7).below;
const junk = (depth = 0): unknown => {
  switch (random(depth > 2 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return random(2) === 0;
    case 2:
      return [-1, 0, 1.5, 1e308, 2 ** 53 + 1][random(5)];
    case 3:
      return "";
    case 4:
      return [
        "x",
        "ünïcödé",
        "a".repeat(70_000),
        "arn:aws:secretsmanager:::secret:",
        "\u0000",
        "AWSCURRENT",
        "../../etc",
      ][random(7)];
    case 5:
      return "b".repeat(32 + random(40));
    case 6:
      return Array.from({ length: random(4) }, () => junk(depth + 1));
    case 7:
      return Object.fromEntries(
        Array.from({ length: random(4) }, () => [MEMBERS[random(MEMBERS.length)] as string, junk(depth + 1)]),
      );
    default:
      return { Key: junk(depth + 1), Value: junk(depth + 1) };
  }
};

const BadInput = suite<{ app: TestApp }>("bad input");
BadInput.before(
  told(async (ctx) => {
    ctx.app = await startTestApp({ logRequests: false });
  }),
);
BadInput.after(told(async ({ app }) => app.stop()));

BadInput("a thousand random requests: each answered 200 or 400 with an AWS error type, none a 500", async ({ app }) => {
  await app.client.send(
    new CreateSecretCommand({ Name: "target", SecretString: "before", ClientRequestToken: randomUUID() }),
  );
  const raw = rawRequest(app);
  const statuses = new Map<number, number>();
  for (let i = 0; i < 1000; i++) {
    const op = OPERATIONS[random(OPERATIONS.length)] as string;
    const body: Record<string, unknown> = {};
    for (let m = random(5); m > 0; m--) body[MEMBERS[random(MEMBERS.length)] as string] = junk();
    if (random(3) === 0) body["SecretId"] = "target";
    const text = random(10) === 0 ? JSON.stringify(body).slice(0, random(40)) : JSON.stringify(body);
    const r = await raw.send(`secretsmanager.${op}`, text);
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    assert.ok(
      r.status === 200 || r.status === 400,
      `${op} ${text.slice(0, 200)} -> ${r.status} ${r.body.slice(0, 200)}`,
    );
    if (r.status === 400) assert.type(r.json["__type"], "string", r.body);
  }
  raw.close();
  assert.ok((statuses.get(400) ?? 0) > 500, "most random requests are refused");
  assert.not.ok(
    app.logged.some((l) => l["level"] === "error"),
    JSON.stringify(app.logged.slice(0, 3)),
  );
  // The service still works (random valid commands may have changed or deleted the target; that is their right).
  await app.client.send(
    new CreateSecretCommand({ Name: "after-fuzz", SecretString: "still", ClientRequestToken: randomUUID() }),
  );
  const put = await app.client.send(
    new PutSecretValueCommand({ SecretId: "after-fuzz", SecretString: "after", ClientRequestToken: randomUUID() }),
  );
  assert.equal(put.VersionStages, ["AWSCURRENT"]);
  assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "after-fuzz" }))).SecretString, "after");
});

BadInput("an oversized body is refused without being read into memory whole", async ({ app }) => {
  const raw = rawRequest(app);
  const r = await raw.send(
    "secretsmanager.GetSecretValue",
    JSON.stringify({ SecretId: "x", Pad: "p".repeat(2 * 1024 * 1024) }),
  );
  raw.close();
  assert.is(r.status, 413);
  assert.is(r.json["__type"], "SerializationException");
});

BadInput.run();
