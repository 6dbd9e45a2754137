import * as E from "fp-ts/lib/Either.js";
import type { SecretCommand } from "../domain/commands.js";
import { parseSecretId } from "../domain/queries.js";
import { initialState, type ActiveSecret, type SecretState } from "../domain/state.js";
import type { ReplicaSecret } from "../replication/replica-secret.js";
import type { ReplicationStatus } from "../replication/replication-monitor.js";
import type { ServiceError } from "./errors.js";
import { prepared, type Executed, type Prepare } from "./handle-command.js";
import type { Service } from "./service.js";

// How a SecretId finds its secret here: this region's own (in the projection), else a replica served here.

/** A secret as this region serves it: its own, or a replica of another region's. */
export type Served = { readonly state: ActiveSecret; readonly replica?: ReplicaSecret };

/** The secret a SecretId names here: this region's own, else a replica served here. */
export const served = (service: Service, secretId: string): Served | undefined => {
  const reference = parseSecretId(secretId, service.home);
  const own = service.catalog.resolve(reference)?.entry.state;
  if (own?.status === "active") return { state: own };
  const replica = service.replicas.resolve(reference);
  return replica === undefined ? undefined : { state: replica.state, replica };
};

export const lookup = (service: Service, secretId: string): SecretState =>
  served(service, secretId)?.state ?? initialState;

/** The secret a SecretId names, if it exists here (not as a replica) and is not scheduled for deletion. */
export const liveSecret = (service: Service, secretId: string): E.Either<ServiceError, ActiveSecret> => {
  const found = served(service, secretId);
  if (found?.replica !== undefined) return E.left({ _tag: "ReplicaReadOnly" });
  const state = found?.state ?? initialState;
  if (state.status !== "active") return E.left({ _tag: "SecretNotFound" });
  if (state.deletion !== undefined) return E.left({ _tag: "SecretScheduledForDeletion" });
  return E.right(state);
};

/** Runs a command on the secret a SecretId names; a SecretId that names none is not found (a replica: read-only). */
export const onSecret = (
  service: Service,
  secretId: string,
  commandName: SecretCommand["type"],
  prepare: Prepare,
): Promise<E.Either<ServiceError, Executed>> => {
  const reference = parseSecretId(secretId, service.home);
  const found = service.catalog.resolve(reference);
  if (found === undefined)
    return Promise.resolve(
      E.left(
        service.replicas.resolve(reference) === undefined ? { _tag: "SecretNotFound" } : { _tag: "ReplicaReadOnly" },
      ),
    );
  return service.commands.handleCommand(found.name, reference, commandName, prepare);
};

/**
 * A command that needs no sealed values, on the secret a SecretId names: answers the secret as the command left
 * it. What most use cases are.
 */
export const commandOnSecret = async (
  service: Service,
  secretId: string,
  commandName: SecretCommand["type"],
  command: (now: number) => SecretCommand,
): Promise<E.Either<ServiceError, ActiveSecret>> =>
  E.map(({ state }: Executed) => active(state))(
    await onSecret(service, secretId, commandName, (_state, now) => prepared(command(now))),
  );

/** PrimaryRegion: a replica's primary; this region for a secret replicated elsewhere; none otherwise. */
export const primaryRegionOf = (service: Service, secret: Served): string | undefined => {
  if (secret.replica !== undefined) return secret.replica.primaryRegion;
  return (secret.state.replicas ?? []).length > 0 ? service.home.region : undefined;
};

export const replicationStatusOf = (service: Service, secret: ActiveSecret): ReadonlyArray<ReplicationStatus> =>
  service.replicationStatus(secret, service.catalog.entry(secret.name).subjectSeq);

/** The secret a successful command leaves (every command that succeeds with a secret leaves one). */
export const active = (state: SecretState): ActiveSecret => {
  if (state.status !== "active") throw new Error("a successful command left no secret");
  return state;
};
