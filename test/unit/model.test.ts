import { test } from "uvu";
import * as assert from "uvu/assert";
import * as E from "fp-ts/lib/Either.js";
import { decodeInput, operationNames } from "../../src/api/model.js";
import { fromInputProblems } from "../../src/api/errors.js";

const problem = (operation: string, body: unknown) => {
  const decoded = decodeInput(operation, body);
  if (E.isRight(decoded)) throw new Error("the input was accepted");
  return fromInputProblems(decoded.left);
};

test("the model has the 23 operations of Secrets Manager", () => {
  assert.is(operationNames.length, 23);
  assert.ok(operationNames.includes("PutSecretValue"));
});

test("a valid PutSecretValue input decodes, with SecretBinary as bytes", () => {
  const decoded = decodeInput("PutSecretValue", {
    SecretId: "db",
    ClientRequestToken: "EXAMPLE2-90ab-cdef-fedc-ba987EXAMPLE",
    SecretBinary: "AAEC/w==",
    VersionStages: ["AWSCURRENT"],
  });
  if (E.isLeft(decoded)) throw new Error(JSON.stringify(decoded.left));
  assert.equal(decoded.right["SecretBinary"], Buffer.from([0, 1, 2, 255]));
});

test("a missing required member is a ValidationException naming it", () => {
  assert.equal(problem("GetSecretValue", {}), {
    type: "ValidationException",
    message:
      "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
    status: 400,
    messageKey: "Message",
  });
});

test("lengths, patterns and list sizes are checked, and every violation is listed", () => {
  const e = problem("PutSecretValue", {
    SecretId: "x".repeat(2049),
    ClientRequestToken: "short",
    VersionStages: [],
    RotationToken: "not valid!".padEnd(40, "!"),
  });
  assert.is(e.type, "ValidationException");
  assert.match(e.message, /^4 validation errors detected: /);
  assert.match(
    e.message,
    /at 'secretId' failed to satisfy constraint: Member must have length less than or equal to 2048/,
  );
  assert.match(
    e.message,
    /Value 'short' at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32/,
  );
  assert.match(
    e.message,
    /Value '\[\]' at 'versionStages' failed to satisfy constraint: Member must have length greater than or equal to 1/,
  );
  assert.match(
    e.message,
    /at 'rotationToken' failed to satisfy constraint: Member must satisfy regular expression pattern/,
  );
});

test("a sensitive member's value never appears in the error", () => {
  const canary = "CANARY-" + "z".repeat(70000);
  const e = problem("PutSecretValue", { SecretId: "db", SecretString: canary });
  assert.match(
    e.message,
    /Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536/,
  );
  assert.not.match(e.message, /CANARY/);
  const r = problem("PutSecretValue", { SecretId: "db", RotationToken: "CANARY!" });
  assert.not.match(r.message, /CANARY/);
});

test("members of nested lists are named by position", () => {
  const e = problem("CreateSecret", {
    Name: "db",
    Tags: [
      { Key: "ok", Value: "v" },
      { Key: "", Value: "v" },
    ],
  });
  assert.match(
    e.message,
    /at 'tags\.2\.member\.key' failed to satisfy constraint: Member must have length greater than or equal to 1/,
  );
});

test("ranges and enums are checked", () => {
  assert.match(
    problem("GetRandomPassword", { PasswordLength: 5000 }).message,
    /Member must have value less than or equal to 4096/,
  );
  assert.match(
    problem("ListSecrets", { SortOrder: "sideways" }).message,
    /Value 'sideways' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: \[asc, desc\]/,
  );
});

test("a member of the wrong JSON type is a SerializationException", () => {
  const e = problem("GetSecretValue", { SecretId: 42 });
  assert.is(e.type, "SerializationException");
  assert.is(e.status, 400);
  assert.is(problem("ListSecretVersionIds", { SecretId: "db", MaxResults: "10" }).type, "SerializationException");
  assert.is(problem("PutSecretValue", { SecretId: "db", SecretBinary: "not base64!" }).type, "SerializationException");
  assert.is(problem("GetSecretValue", []).type, "SerializationException");
});

test.run();
