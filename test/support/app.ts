import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { connect } from "@nats-io/transport-node";
import * as E from "fp-ts/lib/Either.js";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startApp, type RunningApp } from "../../src/app.js";
import type { Clock } from "../../src/application/ports.js";
import {
  DEFAULT_HTTP_LIMITS,
  DEFAULT_ROTATION,
  DEFAULT_SECRET_QUOTA,
  DEFAULT_VALUE_CACHE_BYTES,
  DEFAULT_VERSIONS,
  type Config,
} from "../../src/config.js";
import { unwrapDataKey, unwrapSecretKey } from "../../src/crypto/envelope.js";
import { Keyring, loadOrCreateKeyring, readKeyringFile } from "../../src/crypto/keyring.js";
import type { DataKeyRef } from "../../src/domain/types.js";
import { EventLog } from "../../src/store/event-log.js";
import { KeyCopies } from "../../src/store/key-copies.js";
import { KeyStore, type StoredSecretKey, type WrappedDataKey } from "../../src/store/key-store.js";
import { arnInRegion } from "../../src/replication/replica-secret.js";
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
    /** A keyring file to share with another process; the data dir's own otherwise. */
    readonly keyringFile?: string;
    readonly principalsFile?: string;
    readonly functionsFile?: string;
    readonly rotation?: Config["rotation"];
    readonly auditFailClosed?: boolean;
    readonly rateLimits?: boolean;
    readonly maxSecrets?: number;
    readonly versions?: Config["versions"];
    /** The regions this one follows (their servers joined to `natsUrl`'s by a leafnode). */
    readonly follows?: ReadonlyArray<string>;
    /** How many servers of a cluster keep each stream. */
    readonly streamReplicas?: number;
    readonly logFence?: boolean;
    readonly http?: Config["http"];
    /** The cache of values read from the log (0: every read reads its record). */
    readonly valueCacheBytes?: number;
  } = {},
  // eslint-disable-next-line complexity -- one default per option, each a `??`.
): Promise<TestApp> => {
  const natsUrl = options.embedded === true ? undefined : (options.natsUrl ?? sharedNatsUrl());
  const dataDir = options.dataDir ?? tempDir("data");
  const config: Config = {
    listen: { host: "127.0.0.1", port: 0 },
    dataDir,
    ...(natsUrl === undefined ? {} : { natsUrl }),
    region: options.region ?? freshRegion(),
    account: "123456789012",
    partition: "aws",
    credentials: TEST_CREDENTIALS,
    logRequests: options.logRequests ?? true,
    rateLimits: options.rateLimits ?? false,
    versions: options.versions ?? DEFAULT_VERSIONS,
    secretQuota: options.maxSecrets ?? DEFAULT_SECRET_QUOTA,
    compactEverySeconds: 3600,
    checkpointEverySeconds: 3600,
    valueCacheBytes: options.valueCacheBytes ?? DEFAULT_VALUE_CACHE_BYTES,
    follows: options.follows ?? [],
    leafnodeRemotes: [],
    streamReplicas: options.streamReplicas ?? 1,
    logFence: options.logFence ?? false,
    http: options.http ?? DEFAULT_HTTP_LIMITS,
    natsSyncInterval: "always",
    keyringFile: options.keyringFile ?? join(dataDir, "keyring.json"),
    principalsFile: options.principalsFile ?? join(dataDir, "principals.json"),
    functionsFile: options.functionsFile ?? join(dataDir, "functions.json"),
    rotation: options.rotation ?? DEFAULT_ROTATION,
    auditFailClosed: options.auditFailClosed ?? true,
  };
  const logged: Array<Record<string, unknown>> = [];
  // A test moves the service's clock; signatures from the SDK are still checked against real time.
  const app = await startApp(config, {
    logger: (line) => logged.push(line),
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

/**
 * A version's data key, as anyone holding the log, the key store and the keyring could recover it: from the key
 * store by version (values written before event schema 2, promoted replicas), or wrapped beside the value in the log
 * under a key of the secret still in the key store (the newest of: the value's epoch, or a later one holding it
 * anew). For a replica (`arn` in a region that follows its primary), the log is the primary's as mirrored here and
 * the secret's keys the copies kept here, bound to the primary's ARN. Undefined once it is destroyed. `wrapped`: the
 * wrapped data key, and the master key (and generation) that protects it; `inKeyStore`: what of it the key store
 * holds (the wrapped data key, or the secret's key that wraps it).
 */
export const dataKeyOf = async (
  app: TestApp,
  arn: string,
  versionId: string,
): Promise<{ readonly wrapped: WrappedDataKey; readonly dataKey: Buffer; readonly inKeyStore: string } | undefined> => {
  const nc = await connect({ servers: app.natsUrl });
  try {
    const { region, follows } = app.config;
    const keys = await KeyStore.open(nc, region);
    const copies = await KeyCopies.open(nc, region);
    const keyring = new Keyring(readKeyringFile(app.config.keyringFile), app.config);
    const master = (keyId: string, generation: number): Buffer => {
      const material = keyring.forUnwrapping(keyId, generation);
      if (E.isLeft(material)) throw new Error(`the keyring cannot unwrap ${versionId}: ${material.left._tag}`);
      return material.right.material;
    };
    const byVersion = await keys.get(arn, versionId);
    if (byVersion !== undefined)
      return {
        wrapped: byVersion,
        inKeyStore: byVersion.wrapped,
        dataKey: unwrapDataKey(master(byVersion.keyId, byVersion.generation), byVersion.wrapped, { arn, versionId }),
      };
    const places = [
      { arn, log: () => EventLog.open(nc, region), secretKey: keys.getSecretKey.bind(keys) },
      ...follows.map((primary) => ({
        arn: arnInRegion(arn, primary),
        log: () => EventLog.openMirror(nc, primary),
        secretKey: copies.get.bind(copies),
      })),
    ];
    for (const place of places) {
      const found = await inLog(place.arn, versionId, await place.log(), place.secretKey, master);
      if (found !== undefined) return found;
    }
    return undefined;
  } finally {
    await nc.drain();
  }
};

/** A version's data key in `log` (as dataKeyOf), under a key of the secret that `secretKey` finds. */
const inLog = async (
  arn: string,
  versionId: string,
  log: EventLog,
  secretKey: (arn: string, epoch: number) => Promise<StoredSecretKey | undefined>,
  master: (keyId: string, generation: number) => Buffer,
): Promise<{ readonly wrapped: WrappedDataKey; readonly dataKey: Buffer; readonly inKeyStore: string } | undefined> => {
  // The secret's name is the ARN's resource name without its 7-character suffix.
  const name = arn.slice(arn.indexOf(":secret:") + ":secret:".length, -7);
  const refs: DataKeyRef[] = [];
  let incarnation: string | undefined;
  for (const { record } of await log.records(() => undefined, { secretName: name }))
    for (const e of record.events) {
      if (e.type === "SecretCreated") incarnation = e.data.arn;
      if (
        (e.type === "VersionCreated" || e.type === "VersionFilled") &&
        incarnation === arn &&
        e.data.versionId === versionId &&
        e.data.value !== undefined
      )
        refs.push(e.data.value.key);
    }
  for (const ref of refs) {
    if (ref.in !== "log") continue;
    for (let epoch = ref.epoch + 64; epoch >= ref.epoch; epoch--) {
      const stored = await secretKey(arn, epoch);
      const wrapped =
        stored === undefined ? undefined : epoch === ref.epoch ? ref.wrapped : stored.rewrapped[versionId];
      if (stored === undefined || wrapped === undefined) continue;
      const key = unwrapSecretKey(master(stored.keyId, stored.generation), stored.wrapped, arn, epoch);
      return {
        wrapped: { keyId: stored.keyId, generation: stored.generation, wrapped },
        inKeyStore: stored.wrapped,
        dataKey: unwrapDataKey(key, wrapped, { arn, versionId }),
      };
    }
  }
  return undefined;
};

/** A new keyring file of its own, for servers that must share one (several on one log, a CLI beside a test). */
export const sharedKeyring = (): string => {
  const file = join(tempDir("keyring"), "keyring.json");
  loadOrCreateKeyring(file);
  return file;
};

/** A user for the principals file: its access key, and its policies. */
export type TestUser = {
  readonly name: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly policies: ReadonlyArray<object>;
};

export const user = (name: string, ...statements: ReadonlyArray<object>): TestUser => ({
  name,
  accessKeyId: `AKID${name.toUpperCase().replace(/[^A-Z0-9]/g, "")}`.padEnd(20, "0").slice(0, 20),
  secretAccessKey: `secret-of-${name}-${"x".repeat(20)}`,
  policies: statements.length === 0 ? [] : [{ Version: "2012-10-17", Statement: statements }],
});

/** Writes the principals file (mode 0600, replaced atomically as an operator's editor or tool would). */
export const writePrincipals = (path: string, users: ReadonlyArray<TestUser>): void => {
  const temporary = `${path}.tmp`;
  writeFileSync(
    temporary,
    JSON.stringify({
      users: users.map((u) => ({
        name: u.name,
        accessKeys: [{ accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey }],
        policies: u.policies,
      })),
    }),
    { mode: 0o600 },
  );
  renameSync(temporary, path);
};

/** An SDK client signing as `who`, against the app. */
export const clientAs = (app: TestApp, who: TestUser): SecretsManagerClient =>
  new SecretsManagerClient({
    endpoint: app.endpoint,
    region: app.config.region,
    credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey },
    maxAttempts: 1,
  });
