import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretCommand,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { connect } from "@nats-io/transport-node";
import { KeyStore } from "../../src/store/key-store.js";
import { dataKeyOf, startTestApp, type TestApp } from "../support/app.js";
import { secretLedger } from "../support/cli.js";
import { sdkError } from "../support/sdk.js";
import { told } from "../support/hooks.js";

const ENCRYPTION_FAILURE =
  "Secrets Manager can't encrypt the protected secret text using the provided KMS key. Check that the KMS key is available, enabled, and not in an invalid state.";
const DECRYPTION_FAILURE = "Secrets Manager can't decrypt the protected secret text using the provided KMS key.";

/** `secret-ledger keys …` on the app's keyring, as an operator runs it beside the service. */
const keys = async (app: TestApp, ...args: string[]): Promise<string> => {
  const done = await secretLedger(app, ["keys", ...args]);
  if (done.code !== 0) throw new Error(`keys ${args.join(" ")} failed: ${done.err}`);
  return done.out;
};

type Ctx = { app: TestApp; keyArn: string; keyId: string };
const Keyring = suite<Ctx>("the keyring: master keys as KmsKeyId, disabled keys, re-encryption, rotation");
Keyring.before(
  told(async (ctx) => {
    ctx.app = await startTestApp();
    ctx.keyArn = (await keys(ctx.app, "create", "--alias", "alias/payments")).trim();
    ctx.keyId = ctx.keyArn.slice(ctx.keyArn.lastIndexOf("/") + 1);
  }),
);
Keyring.after(told(async ({ app }) => app.stop()));

const wrappingOf = async (app: TestApp, secretId: string, versionId?: string) => {
  const got = await app.client.send(
    new GetSecretValueCommand({ SecretId: secretId, ...(versionId === undefined ? {} : { VersionId: versionId }) }),
  );
  const opened = await dataKeyOf(app, got.ARN ?? "", got.VersionId ?? "");
  return { keyId: opened?.wrapped.keyId, generation: opened?.wrapped.generation, value: got.SecretString };
};

Keyring(
  "a key created while the service runs is claimed in the key store, like those it started with",
  async ({ app, keyId }) => {
    // The first use after the change reads the keyring again; its material is then fingerprinted into the store.
    await app.client.send(
      new CreateSecretCommand({
        Name: "k/claim",
        KmsKeyId: keyId,
        SecretString: "c",
        ClientRequestToken: randomUUID(),
      }),
    );
    await app.whenKeyringClaimed();
    const nc = await connect({ servers: app.natsUrl });
    const store = await KeyStore.open(nc, app.config.region);
    assert.is(await store.claim(`material ${keyId}/1`, "another fingerprint"), "differs");
    await nc.drain();
  },
);

Keyring("a KmsKeyId in every form AWS accepts names the key that wraps the value", async ({ app, keyArn, keyId }) => {
  const region = app.config.region;
  const forms = [keyId, keyArn, "alias/payments", `arn:aws:kms:${region}:123456789012:alias/payments`];
  for (const [i, form] of forms.entries()) {
    await app.client.send(
      new CreateSecretCommand({
        Name: `k/form${i}`,
        KmsKeyId: form,
        SecretString: `v${i}`,
        ClientRequestToken: randomUUID(),
      }),
    );
    assert.equal(await wrappingOf(app, `k/form${i}`), { keyId, generation: 1, value: `v${i}` }, form);
    assert.is((await app.client.send(new DescribeSecretCommand({ SecretId: `k/form${i}` }))).KmsKeyId, form);
  }
  // Without a KmsKeyId, the default key (alias/aws/secretsmanager) wraps it, and DescribeSecret shows none.
  await app.client.send(
    new CreateSecretCommand({ Name: "k/default", SecretString: "d", ClientRequestToken: randomUUID() }),
  );
  const wrapped = await wrappingOf(app, "k/default");
  assert.ok(wrapped.keyId !== undefined && wrapped.keyId !== keyId);
  assert.is((await app.client.send(new DescribeSecretCommand({ SecretId: "k/default" }))).KmsKeyId, undefined);
});

Keyring("a key that does not exist cannot encrypt: EncryptionFailure, and nothing is created", async ({ app }) => {
  const refused = await sdkError(
    app.client.send(
      new CreateSecretCommand({
        Name: "k/nokey",
        KmsKeyId: "alias/none",
        SecretString: "x",
        ClientRequestToken: randomUUID(),
      }),
    ),
  );
  assert.equal(refused, { name: "EncryptionFailure", message: ENCRYPTION_FAILURE, status: 400, fault: "client" });
  assert.is(
    (await sdkError(app.client.send(new DescribeSecretCommand({ SecretId: "k/nokey" })))).name,
    "ResourceNotFoundException",
  );
  const update = await sdkError(
    app.client.send(new UpdateSecretCommand({ SecretId: "k/default", KmsKeyId: "alias/none" })),
  );
  assert.is(update.name, "EncryptionFailure");
});

Keyring("a disabled key neither decrypts nor encrypts; enabled again, it does both", async ({ app }) => {
  assert.match(await keys(app, "disable", "alias/payments"), /disabled/);
  try {
    const read = await sdkError(app.client.send(new GetSecretValueCommand({ SecretId: "k/form0" })));
    assert.equal(read, { name: "DecryptionFailure", message: DECRYPTION_FAILURE, status: 400, fault: "client" });
    const write = await sdkError(
      app.client.send(
        new PutSecretValueCommand({ SecretId: "k/form0", SecretString: "w", ClientRequestToken: randomUUID() }),
      ),
    );
    assert.is(write.name, "EncryptionFailure");
    // Secrets under other keys are not affected.
    assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "k/default" }))).SecretString, "d");
  } finally {
    await keys(app, "enable", "alias/payments");
  }
  assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "k/form0" }))).SecretString, "v0");
});

Keyring(
  "UpdateSecret with a new KmsKeyId re-encrypts the labelled versions, not the others",
  async ({ app, keyId }) => {
    const first = randomUUID();
    await app.client.send(
      new CreateSecretCommand({ Name: "k/moving", SecretString: "one", ClientRequestToken: first }),
    );
    const second = randomUUID();
    await app.client.send(
      new PutSecretValueCommand({ SecretId: "k/moving", SecretString: "two", ClientRequestToken: second }),
    );
    const third = randomUUID();
    await app.client.send(
      new PutSecretValueCommand({ SecretId: "k/moving", SecretString: "three", ClientRequestToken: third }),
    );
    const defaultKey = (await wrappingOf(app, "k/moving")).keyId;
    const updated = await app.client.send(
      new UpdateSecretCommand({ SecretId: "k/moving", KmsKeyId: "alias/payments" }),
    );
    assert.is(updated.VersionId, undefined, "a key change alone makes no version");
    assert.equal(await wrappingOf(app, "k/moving", third), { keyId, generation: 1, value: "three" }, "AWSCURRENT");
    assert.equal(await wrappingOf(app, "k/moving", second), { keyId, generation: 1, value: "two" }, "AWSPREVIOUS");
    assert.equal(
      await wrappingOf(app, "k/moving", first),
      { keyId: defaultKey, generation: 1, value: "one" },
      "unlabelled",
    );
    // A new value goes under the new key too.
    const fourth = randomUUID();
    await app.client.send(
      new PutSecretValueCommand({ SecretId: "k/moving", SecretString: "four", ClientRequestToken: fourth }),
    );
    assert.is((await wrappingOf(app, "k/moving", fourth)).keyId, keyId);
  },
);

Keyring(
  "rotating a master key: new versions use the new material, old versions still decrypt",
  async ({ app, keyId }) => {
    assert.match(await keys(app, "rotate", "alias/payments"), /generation 2/);
    const token = randomUUID();
    await app.client.send(
      new PutSecretValueCommand({ SecretId: "k/form1", SecretString: "after", ClientRequestToken: token }),
    );
    assert.equal(await wrappingOf(app, "k/form1"), { keyId, generation: 2, value: "after" });
    const versions = await app.client.send(
      new GetSecretValueCommand({ SecretId: "k/form1", VersionStage: "AWSPREVIOUS" }),
    );
    assert.is(versions.SecretString, "v1");
    assert.is((await wrappingOf(app, "k/form1", versions.VersionId)).generation, 1);
    const listed = await keys(app, "list");
    assert.match(listed, new RegExp(`key/${keyId}  Enabled  generation 2  alias/payments`));
    // The keyring file holds the key material; the listing never shows it.
    assert.not.match(listed, /"key"|[A-Za-z0-9+/]{43}=/);
  },
);

Keyring.run();
