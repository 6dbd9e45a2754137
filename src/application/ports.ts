import type { CommandRecord } from "../domain/events.js";
import type { RotationStep, SealedValue } from "../domain/types.js";
import type { AppendResult } from "../store/event-log.js";
import type { StoredSecretKey, WrappedDataKey } from "../store/key-store.js";

// What the use cases need of storage, as interfaces: the NATS adapters in store/ (EventLog, KeyStore) are one
// implementation, and a use case can be tested with another where that is useful (test/unit/handle-command.test.ts).

/** Appended at `seq`; or a conflict: another writer appended to this secret first. */
export type AppendOutcome = AppendResult;

/** The append-only log: one subject per secret, the expected last subject sequence as the concurrency guard. */
export type CommandLog = {
  append(secretName: string, expectedSubjectSeq: number, record: CommandRecord): Promise<AppendOutcome>;
  lastSeq(): Promise<number>;
};

/** The log, as far as reading a value goes: the values the record at `seq` holds, by VersionId. */
export type ValueLog = { valuesAt(seq: number): Promise<ReadonlyMap<string, SealedValue>> };

/**
 * The keys kept outside the log so that destroying one shreds what it opens: each secret's key, by epoch (it
 * wraps the data keys that sit beside their values in the log), and data keys kept by version (written before
 * event schema 2, and a replica's).
 */
export type DataKeyStore = {
  put(arn: string, versionId: string, key: WrappedDataKey): Promise<void>;
  get(arn: string, versionId: string): Promise<WrappedDataKey | undefined>;
  rewrap(arn: string, versionId: string, key: WrappedDataKey): Promise<void>;
  destroy(arn: string, versionId: string): Promise<void>;
  /** Writes the secret's key of `epoch` unless there is one: true if this call wrote it. */
  createSecretKey(arn: string, epoch: number, key: StoredSecretKey): Promise<boolean>;
  getSecretKey(arn: string, epoch: number): Promise<StoredSecretKey | undefined>;
  /** Erases the secret's keys of every epoch below `below`. */
  retireSecretKeys(arn: string, below: number): Promise<void>;
};

/** The service's time, in milliseconds since the epoch. */
export type Clock = () => number;

/** The event a rotation function is invoked with: AWS's shape, camelCase steps, the secret's ARN. */
export type RotationEvent = {
  readonly Step: RotationStep;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
};

/**
 * How an invocation ended: success, or why not in words that never hold a value (an error type, an exit code);
 * `stopped`: cut short because the service stops (not the function's failure).
 */
export type InvocationOutcome =
  { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly stopped?: boolean };

/** A rotation function this service can invoke. */
export type RotationFunction = {
  readonly name: string;
  /** How long one step may take. */
  readonly timeoutMs: number;
  /** Runs one step; `stop` aborts it when the service stops. */
  invoke(event: RotationEvent, stop: AbortSignal): Promise<InvocationOutcome>;
};

/** The rotation functions a RotationLambdaARN may name (the functions file). */
export type RotationFunctions = {
  find(lambdaArn: string): RotationFunction | undefined;
};
