import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { connect } from "@nats-io/transport-node";
import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readKeyringFile } from "../../src/crypto/keyring.js";
import { AuditStream } from "../../src/store/audit-stream.js";
import { projectRoot } from "../../src/store/nats-server.js";
import { clientAs, dataKeyOf, startTestApp, user, writePrincipals } from "../support/app.js";
import { sdkError } from "../support/sdk.js";
import { tempDir } from "../support/nats.js";

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });

/** The files under `dir` that contain `needle`. */
const holding = (dir: string, needle: Buffer): string[] =>
  filesUnder(dir).filter((f) => readFileSync(f).includes(needle));

const Secrecy = suite("a canary value");

Secrecy("never reaches the log, the key store, the audit, the logs or an error body in plaintext", async () => {
  const dataDir = tempDir("canary");
  const reader = user("reader", { Effect: "Allow", Action: "secretsmanager:Get*", Resource: "*" });
  writePrincipals(join(dataDir, "principals.json"), [reader]);
  // The service runs its own nats-server here, so every byte it stores (log, keys, audit) is under dataDir.
  const app = await startTestApp({ embedded: true, dataDir, logRequests: true });
  const asReader = clientAs(app, reader);
  const forger = clientAs(app, { ...reader, secretAccessKey: "forged" });
  const canary = `CANARY-${randomBytes(12).toString("hex")}`;
  const binaryCanary = Buffer.from(`BINARY-CANARY-${randomBytes(12).toString("hex")}`);
  const token = randomUUID();
  try {
    const created = await app.client.send(
      new CreateSecretCommand({ Name: "canary", SecretString: canary, ClientRequestToken: token }),
    );
    await app.client.send(
      new PutSecretValueCommand({ SecretId: "canary", SecretBinary: binaryCanary, ClientRequestToken: randomUUID() }),
    );
    await app.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: "canary",
        VersionStage: "AWSCURRENT",
        MoveToVersionId: token,
        RemoveFromVersionId: (await app.client.send(new GetSecretValueCommand({ SecretId: "canary" }))).VersionId ?? "",
      }),
    );
    assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "canary" }))).SecretString, canary);
    // Every other operation that carries a value: UpdateSecret, BatchGetSecretValue, and refused writes.
    await app.client.send(
      new UpdateSecretCommand({
        SecretId: "canary",
        SecretString: `${canary}-updated`,
        ClientRequestToken: randomUUID(),
      }),
    );
    const batch = await app.client.send(new BatchGetSecretValueCommand({ SecretIdList: ["canary"] }));
    assert.is(batch.SecretValues?.[0]?.SecretString, `${canary}-updated`);
    assert.is(
      (await asReader.send(new GetSecretValueCommand({ SecretId: "canary" }))).SecretString,
      `${canary}-updated`,
    );
    for (const client of [asReader, forger]) {
      const refused = await sdkError(
        client.send(
          new PutSecretValueCommand({ SecretId: "canary", SecretString: canary, ClientRequestToken: randomUUID() }),
        ),
      );
      assert.not.match(refused.message, /CANARY/);
    }
    // Refusals that carry the value must not echo it.
    const conflict = await sdkError(
      app.client.send(
        new PutSecretValueCommand({ SecretId: "canary", SecretString: canary + "!", ClientRequestToken: token }),
      ),
    );
    assert.not.match(conflict.message, /CANARY/);
    const tooLong = await sdkError(
      app.client.send(
        new PutSecretValueCommand({
          SecretId: "canary",
          SecretString: canary.repeat(3000),
          ClientRequestToken: randomUUID(),
        }),
      ),
    );
    assert.is(tooLong.name, "ValidationException");
    assert.not.match(tooLong.message, /CANARY/);

    // The data key of the first version, unwrapped with the keyring from the data directory.
    const opened = await dataKeyOf(app, created.ARN ?? "", token);
    assert.ok(opened !== undefined);
    // What the key store holds of it: the secret's key that wraps it (the wrapped data key is in the log).
    const wrapped = opened?.inKeyStore;
    const dataKey = opened?.dataKey ?? Buffer.alloc(0);
    const masterKeys = readKeyringFile(app.config.keyringFile).keys.flatMap((k) =>
      k.material.map((m) => Buffer.from(m.key, "base64")),
    );
    // The audit has a record of every call above, and not one value in them.
    await app.whenAudited();
    const nc = await connect({ servers: app.natsUrl });
    const audit: string[] = [];
    await (await AuditStream.open(nc, app.config.region)).read((m) => audit.push(Buffer.from(m.payload).toString()));
    await nc.drain();
    assert.ok(audit.join("").includes('"outcome":"AccessDeniedException"'), "the refusal is in the audit");
    assert.ok(audit.join("").includes('"operation":"BatchGetSecretValue"'), "the batch read is in the audit");
    assert.not.match(audit.join(""), /CANARY/);

    // Positive control: the scan does see what the key store holds (the wrapped key is in its files).
    assert.ok(
      holding(join(dataDir, "nats"), Buffer.from(wrapped ?? "")).length > 0,
      "the scan reads the store (the wrapped key is there)",
    );
    for (const [what, needle] of [
      ["the string value", Buffer.from(canary)],
      ["the string value in base64", Buffer.from(Buffer.from(canary).toString("base64"))],
      ["the binary value", binaryCanary],
      ["the binary value in base64", Buffer.from(binaryCanary.toString("base64"))],
      ["a raw data key", dataKey],
      ["a data key in base64", Buffer.from(dataKey.toString("base64"))],
      ...masterKeys.map((k) => ["a master key", k] as const),
      ...masterKeys.map(
        (k) => ["a master key in base64 outside the keyring", Buffer.from(k.toString("base64"))] as const,
      ),
    ] as const)
      assert.equal(holding(join(dataDir, "nats"), needle), [], `${what} is in the nats store`);
    assert.equal(holding(dataDir, Buffer.from(canary)), [], "the canary is somewhere in the data directory");
    // Deleting the secret erases its keys: the wrapped key's bytes leave nats-server's files, not just its index.
    await app.client.send(new DeleteSecretCommand({ SecretId: "canary", ForceDeleteWithoutRecovery: true }));
    await app.whenKeysShredded();
    assert.equal(holding(join(dataDir, "nats"), Buffer.from(wrapped ?? "")), [], "an erased key is still on disk");
    assert.is(await dataKeyOf(app, created.ARN ?? "", token), undefined, "the data key can still be recovered");
    const logged = JSON.stringify(app.logged);
    assert.ok(app.logged.length >= 5, "requests were logged");
    assert.not.match(logged, /CANARY/);
    assert.not.ok(logged.includes(app.credentials.secretAccessKey));
    assert.not.ok(logged.includes(reader.secretAccessKey));
    for (const k of masterKeys) assert.not.ok(logged.includes(k.toString("base64")), "a master key is in the logs");
  } finally {
    asReader.destroy();
    forger.destroy();
    await app.stop();
  }
});

Secrecy(
  "a rotated value, made by a function that prints it, reaches neither the store, the audit nor the logs",
  async () => {
    const dataDir = tempDir("canary-rotation");
    const functions = join(dataDir, "functions.json");
    writeFileSync(
      functions,
      JSON.stringify({
        functions: {
          printer: {
            type: "exec",
            runtime: "python3",
            handler: "lambda_function.lambda_handler",
            codeDir: join(projectRoot(), "test", "fixtures", "rotation", "python"),
          },
        },
      }),
      { mode: 0o600 },
    );
    const app = await startTestApp({ embedded: true, dataDir, functionsFile: functions });
    try {
      await app.client.send(
        new CreateSecretCommand({
          Name: "rotated",
          SecretString: JSON.stringify({ username: "app", password: "initial" }),
          ClientRequestToken: randomUUID(),
        }),
      );
      await app.client.send(
        new RotateSecretCommand({
          SecretId: "rotated",
          RotationLambdaARN: `arn:aws:lambda:${app.config.region}:123456789012:function:printer`,
        }),
      );
      await app.whenRotationsIdle();
      const value = (await app.client.send(new GetSecretValueCommand({ SecretId: "rotated" }))).SecretString ?? "";
      const password = (JSON.parse(value) as Record<string, string>)["password"] ?? "";
      assert.ok(password.length >= 20 && password !== "initial", "rotated");
      await app.whenAudited();
      for (const needle of [password, Buffer.from(password).toString("base64"), value])
        assert.equal(holding(dataDir, Buffer.from(needle)), [], "the rotated value is in the data directory");
      assert.not.ok(JSON.stringify(app.logged).includes(password), "the rotated value is in the logs");
    } finally {
      await app.stop();
    }
  },
);

Secrecy.run();
