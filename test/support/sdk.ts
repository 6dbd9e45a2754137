import { PutSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import * as assert from "uvu/assert";
import { readyzUntil } from "./service-process.js";

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

/** How long a write is retried while the store is out of reach (a cluster electing a leader takes seconds). */
const RETRY_FOR_MS = 60_000;

/**
 * A PutSecretValue that is sent again, with the same ClientRequestToken (so it lands once), while the service
 * answers that its store is out of reach (503, or 500 while a cluster elects a leader): a restarted
 * nats-server, a stopped cluster node. Before each retry it waits until the app's connection to NATS is up and
 * the app is ready again (its /readyz: the log answers and the projection is at its end), for at most a minute
 * in all: a count of attempts ran out in milliseconds when a stream without a leader refused at once. Answers
 * the token: the VersionId.
 */
export const putUntilTaken = async (
  app: { readonly client: SecretsManagerClient; readonly endpoint: string; whenStoreAvailable(): Promise<void> },
  secretId: string,
  value: string,
  token: string = randomUUID(),
): Promise<string> => {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (;;) {
    try {
      await app.client.send(
        new PutSecretValueCommand({ SecretId: secretId, SecretString: value, ClientRequestToken: token }),
      );
      return token;
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // 503 is what an outage answers (safe to retry with the same token); a 500 is a bug, and fails the test. A
      // kept-alive connection the server closed as it was reused ("socket hang up") had no answer at all: the
      // SDKs retry that themselves (this client makes one attempt), and so does this.
      const connectionLost = status === undefined && /socket hang up|ECONNRESET/.test(String(e));
      if (Date.now() > deadline || (status !== 503 && !connectionLost)) throw e;
      await app.whenStoreAvailable();
      // Not ready by the deadline: the next attempt fails as it is, and its error is the one reported.
      await readyzUntil(app.endpoint, 200, deadline).catch(() => undefined);
    }
  }
};
