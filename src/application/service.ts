import type { SecretCatalog } from "../../projections/secret-catalog.js";
import type { SecretIndex } from "../../projections/secret-index.js";
import { PageTokens } from "../crypto/page-tokens.js";
import type { Keyring } from "../crypto/keyring.js";
import type { VersionPolicy } from "../domain/commands.js";
import type { Home, SecretReference } from "../domain/queries.js";
import type { ActiveSecret } from "../domain/state.js";
import type { ReplicaSecret } from "../replication/replica-secret.js";
import type { ReplicationStatus } from "../replication/replication-monitor.js";
import type { CommandHandler } from "./handle-command.js";
import { logFence } from "./log-fence.js";
import type { Clock, CommandLog, DataKeyStore } from "./ports.js";
import type { RotationRunner } from "./rotation-runner.js";
import type { Sealing } from "./sealing.js";
import type { SecretKeys } from "./secret-keys.js";
import type { ValueReader } from "./values.js";

// What every use case is given: the one command pipeline, the projection it reads, sealing, and the region's
// settings. Built once by the composition root (src/app.ts); each use case is a function of it and its input.

/** Draws the 6 random characters that end a secret's ARN. */
export type ArnSuffixSource = () => string;

/** The replicas this region serves (those of every region it follows). */
export type Replicas = {
  resolve(reference: SecretReference): ReplicaSecret | undefined;
  /**
   * The replicas of each followed region, as listings go through them: an index (once made), and each name's
   * replica.
   */
  listed(): ReadonlyArray<{ indexed(): Promise<SecretIndex>; served(name: string): ReplicaSecret | undefined }>;
};

export type Service = Sealing & {
  readonly commands: CommandHandler;
  readonly catalog: SecretCatalog;
  readonly home: Home;
  readonly clock: Clock;
  readonly arnSuffix: ArnSuffixSource;
  /** How many versions a secret keeps and may hold (see VersionPolicy). */
  readonly versionPolicy: VersionPolicy;
  /** AWS's quota of secrets per region (500,000), counting those scheduled for deletion. */
  readonly maxSecrets: number;
  /** The replicas this region serves, of the secrets of the regions it follows. */
  readonly replicas: Replicas;
  /** How this region's secrets stand in the regions they are replicated to. */
  readonly replicationStatus: (secret: ActiveSecret, subjectSeq: number) => ReadonlyArray<ReplicationStatus>;
  readonly pageTokens: PageTokens;
  /** Resolves once this server's projection holds what the log held when it was called (when the fence is on). */
  readonly logFence: () => Promise<void>;
  /** Told of failures the caller is not: recording LastAccessedDate is best effort for a read. */
  readonly onBackgroundError: (what: string, error: unknown) => void;
  /** Runs rotations, and knows the rotation functions RotateSecret may name. */
  readonly rotations: RotationRunner;
};

export const serviceOf = (deps: {
  /** The command pipeline (made first: the followed regions' ForceOverwriteReplicaSecret uses it too). */
  readonly commands: CommandHandler;
  readonly log: Pick<CommandLog, "lastSeq">;
  readonly keys: DataKeyStore;
  readonly secretKeys: SecretKeys;
  readonly values: ValueReader;
  readonly catalog: SecretCatalog;
  /** The master keys, as they are now (the keyring file is read again when it changes). */
  readonly keyring: () => Keyring;
  readonly home: Home;
  readonly clock: Clock;
  readonly arnSuffix: ArnSuffixSource;
  readonly onBackgroundError: (what: string, error: unknown) => void;
  readonly rotations: RotationRunner;
  readonly versionPolicy: VersionPolicy;
  /** The most secrets the region may hold (SECRET_LEDGER_SECRET_QUOTA). */
  readonly maxSecrets: number;
  readonly replicas: Replicas;
  readonly replicationStatus: Service["replicationStatus"];
  /** Whether requests wait for the projection to reach the log's end first (several servers on one log). */
  readonly logFence: boolean;
}): Service => {
  const { log, logFence: fenced, maxSecrets, ...shared } = deps;
  return {
    ...shared,
    maxSecrets,
    pageTokens: new PageTokens(deps.keyring().derivedKey("page-token")),
    logFence: fenced ? logFence(log, deps.catalog) : () => Promise.resolve(),
  };
};
