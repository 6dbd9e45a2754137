import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { readKeyringFile } from "../../src/crypto/keyring.js";
import { dataKeyOf, startTestApp } from "../support/app.js";
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

Secrecy("never reaches the log, the key store, the logs or an error body in plaintext", async () => {
  const dataDir = tempDir("canary");
  // The service runs its own nats-server here, so every byte it stores is under dataDir.
  const app = await startTestApp({ embedded: true, dataDir, logRequests: true });
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
    const wrapped = opened?.wrapped.wrapped;
    const dataKey = opened?.dataKey ?? Buffer.alloc(0);
    const masterKey = Buffer.from(readKeyringFile(app.config.keyringFile).keys[0]?.material[0]?.key ?? "", "base64");

    // Positive control: the scan does see what the log holds (the wrapped key is in the KV's files).
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
      ["the master key", masterKey],
    ] as const)
      assert.equal(holding(join(dataDir, "nats"), needle), [], `${what} is in the nats store`);
    assert.equal(holding(dataDir, Buffer.from(canary)), [], "the canary is somewhere in the data directory");
    // Deleting the secret erases its keys: the wrapped key's bytes leave nats-server's files, not just its index.
    await app.client.send(new DeleteSecretCommand({ SecretId: "canary", ForceDeleteWithoutRecovery: true }));
    await app.whenKeysShredded();
    assert.equal(holding(join(dataDir, "nats"), Buffer.from(wrapped ?? "")), [], "an erased key is still on disk");
    const logged = JSON.stringify(app.logged);
    assert.ok(app.logged.length >= 5, "requests were logged");
    assert.not.match(logged, /CANARY/);
    assert.not.ok(logged.includes(app.credentials.secretAccessKey));
  } finally {
    await app.stop();
  }
});

Secrecy.run();
