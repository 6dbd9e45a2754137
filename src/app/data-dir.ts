import { readPrincipalsFile, type Identity, type PrincipalRegistry } from "../access/principals.js";
import { ensureDataDir, legacyMasterKey, loadOrCreateCredentials, lockDataDir } from "../bootstrap.js";
import type { Config } from "../config.js";
import { Keyring, loadOrCreateKeyring, readKeyringFile } from "../crypto/keyring.js";
import { WatchedFile } from "../watched-file.js";
import { errorText, type Logger } from "./logger.js";
import type { StopStack } from "./parts.js";

/** The data directory's files: the lock (when the service runs its own nats-server), credentials, keyring, principals. */
export const openDataDir = (config: Config, stack: StopStack, logger: Logger) => {
  ensureDataDir(config.dataDir);
  // One service per data directory when it runs its own nats-server there: two would share one store.
  if (config.natsUrl === undefined) stack.push({ stop: lockDataDir(config.dataDir) });
  const reloadFailed = (what: string) => (path: string, error: unknown) =>
    logger({
      level: "error",
      msg: `${what} not reloaded; the previous one stays in use`,
      path,
      error: errorText(error),
    });
  loadOrCreateKeyring(config.keyringFile, legacyMasterKey(config.dataDir));
  const home = { partition: config.partition, region: config.region, account: config.account };
  const credentials = loadOrCreateCredentials(config.dataDir, config.credentials);
  const keyring = new WatchedFile(
    config.keyringFile,
    (path) => new Keyring(readKeyringFile(path), home),
    () => {
      throw new Error(`the keyring ${config.keyringFile} is gone`);
    },
    reloadFailed("keyring"),
  );
  const principals = new WatchedFile(
    config.principalsFile,
    (path) => readPrincipalsFile(path, config.account),
    (): PrincipalRegistry => new Map(),
    reloadFailed("principals file"),
  );
  // The bootstrap credentials are the account's root: allowed everything, whatever the principals file says.
  const root: Identity = {
    credentials: credentials.credentials,
    principal: { kind: "root", arn: `arn:aws:iam::${config.account}:root` },
  };
  const identityOf = (accessKeyId: string): Identity | undefined =>
    accessKeyId === credentials.credentials.accessKeyId ? root : principals.current().get(accessKeyId);
  /** A user's first access key, by name (the root's for `undefined`): a rotation function's role. */
  const credentialsOf = (user: string | undefined) => {
    if (user === undefined) return credentials.credentials;
    for (const identity of principals.current().values())
      if (identity.principal.kind === "user" && identity.principal.name === user) return identity.credentials;
    return undefined;
  };
  return { home, credentials, keyring, identityOf, credentialsOf, reloadFailed };
};
