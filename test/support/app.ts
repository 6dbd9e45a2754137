import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { startApp, type RunningApp } from "../../src/app.js";
import type { Clock } from "../../src/application/secrets-service.js";
import { DEFAULT_VERSIONS, type Config } from "../../src/config.js";
import { freshRegion, sharedNatsUrl, tempDir } from "./nats.js";

export const TEST_CREDENTIALS = {
  accessKeyId: "AKIDSECRETLEDGERTEST",
  secretAccessKey: "test/secret/key+for+the+suite/0123456789",
};

export type TestApp = RunningApp & {
  readonly config: Config;
  readonly client: SecretsManagerClient;
  readonly logged: Array<Record<string, unknown>>;
};

/**
 * Starts the service in this process on a free port, against the run's shared nats-server (or, with
 * `natsUrl: undefined` and `embedded: true`, its own from nats.conf), with its own region and data dir.
 */
export const startTestApp = async (
  options: {
    readonly region?: string;
    readonly dataDir?: string;
    readonly embedded?: boolean;
    readonly natsUrl?: string;
    readonly clock?: Clock;
    readonly logRequests?: boolean;
    readonly masterKey?: string;
    readonly rateLimits?: boolean;
    readonly maxSecrets?: number;
    readonly versions?: Config["versions"];
  } = {},
): Promise<TestApp> => {
  const natsUrl = options.embedded === true ? undefined : (options.natsUrl ?? sharedNatsUrl());
  const config: Config = {
    listen: { host: "127.0.0.1", port: 0 },
    dataDir: options.dataDir ?? tempDir("data"),
    ...(natsUrl === undefined ? {} : { natsUrl }),
    region: options.region ?? freshRegion(),
    account: "123456789012",
    partition: "aws",
    credentials: TEST_CREDENTIALS,
    logRequests: options.logRequests ?? true,
    rateLimits: options.rateLimits ?? false,
    versions: options.versions ?? DEFAULT_VERSIONS,
    compactEverySeconds: 3600,
    ...(options.masterKey === undefined ? {} : { masterKey: options.masterKey }),
  };
  const logged: Array<Record<string, unknown>> = [];
  // A test moves the service's clock; signatures from the SDK are still checked against real time.
  const app = await startApp(config, {
    logger: (line) => logged.push(line),
    ...(options.maxSecrets === undefined ? {} : { maxSecrets: options.maxSecrets }),
    ...(options.clock === undefined ? {} : { clock: options.clock, authClock: Date.now }),
  });
  const client = new SecretsManagerClient({
    endpoint: app.endpoint,
    region: config.region,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
  return {
    ...app,
    config,
    client,
    logged,
    stop: async () => {
      client.destroy();
      await app.stop();
    },
  };
};
