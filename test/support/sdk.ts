import { PutSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import * as assert from "uvu/assert";

/** Runs an SDK call that must fail, and returns what the SDK made of the error. */
export const sdkError = async (
  call: Promise<unknown>,
): Promise<{ name: string; message: string; status: number | undefined; fault: string | undefined }> => {
  try {
    await call;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number }; $fault?: string };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode, fault: err.$fault };
  }
  assert.unreachable("the call succeeded");
  throw new Error("unreachable");
};

/**
 * A PutSecretValue that is sent again, with the same ClientRequestToken (so it lands once), while the service
 * answers that its store is out of reach (503, or 500 while a cluster elects a leader): a restarted
 * nats-server, a stopped cluster node. Each retry waits until the app's connection to NATS is up. Answers the
 * token: the VersionId.
 */
export const putUntilTaken = async (
  app: { readonly client: SecretsManagerClient; whenStoreAvailable(): Promise<void> },
  secretId: string,
  value: string,
  token: string = randomUUID(),
): Promise<string> => {
  for (let attempt = 1; ; attempt++) {
    try {
      await app.client.send(
        new PutSecretValueCommand({ SecretId: secretId, SecretString: value, ClientRequestToken: token }),
      );
      return token;
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (attempt >= 20 || (status !== 503 && status !== 500)) throw e;
      await app.whenStoreAvailable();
    }
  }
};
