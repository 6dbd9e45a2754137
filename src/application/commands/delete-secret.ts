import * as E from "fp-ts/lib/Either.js";
import type { SecretCommand } from "../../domain/commands.js";
import { secretDecider } from "../../domain/decider.js";
import { arnOf, parseSecretId } from "../../domain/queries.js";
import type { Millis } from "../../domain/types.js";
import type { ServiceError } from "../errors.js";
import { prepared, type CommandHandler, type Executed } from "../handle-command.js";
import { active } from "../lookup.js";
import type { Service } from "../service.js";

export type DeleteSecretInput = {
  readonly SecretId: string;
  readonly RecoveryWindowInDays?: number;
  readonly ForceDeleteWithoutRecovery?: boolean;
};

export type SecretDeletion = { readonly arn: string; readonly name: string; readonly deletionDate: Millis };

/** DeleteSecret: schedules the deletion after the recovery window, or deletes at once when forced. */
export const deleteSecret = async (
  service: Service,
  input: DeleteSecretInput,
): Promise<E.Either<ServiceError, SecretDeletion>> => {
  const command = (now: number): SecretCommand => ({
    type: "DeleteSecret",
    data: {
      ...(input.RecoveryWindowInDays === undefined ? {} : { recoveryWindowInDays: input.RecoveryWindowInDays }),
      ...(input.ForceDeleteWithoutRecovery === undefined
        ? {}
        : { forceDeleteWithoutRecovery: input.ForceDeleteWithoutRecovery }),
      now,
    },
  });
  const reference = parseSecretId(input.SecretId, service.home);
  const found = service.catalog.resolve(reference);
  if (found === undefined && service.replicas.resolve(reference) !== undefined)
    return E.left({ _tag: "ReplicaReadOnly" });
  if (found === undefined) {
    // Nothing to delete: the decider still checks the parameters, and a forced delete succeeds as on AWS.
    const now = service.clock();
    const decision = secretDecider.decide(command(now), secretDecider.initialState);
    if (E.isLeft(decision)) return decision;
    const name =
      reference.kind === "name" ? reference.name : reference.kind === "arn" ? reference.name : input.SecretId;
    const arn = input.SecretId.startsWith("arn:") ? input.SecretId : arnOf(service.home, name, service.arnSuffix());
    return E.right({ arn, name, deletionDate: now });
  }
  const result = await service.commands.handleCommand(found.name, reference, "DeleteSecret", (_state, now) =>
    prepared(command(now)),
  );
  return E.map(({ state, before, events }: Executed): SecretDeletion => {
    const deleted = events.find((e) => e.type === "SecretDeleted");
    const secret = active(before);
    const deletionDate =
      deleted !== undefined ? deleted.meta.at : state.status === "active" ? state.deletion?.deletionDate : undefined;
    return { arn: secret.arn, name: secret.name, deletionDate: deletionDate ?? service.clock() };
  })(result);
};

/**
 * Deletes this region's own secret `name` at once, without a recovery window: ForceOverwriteReplicaSecret
 * replacing it with a replica. A name that holds no secret is already done.
 */
export const deleteAtOnce = (commands: CommandHandler, name: string): Promise<E.Either<ServiceError, Executed>> =>
  commands.handleCommand(name, { kind: "name", name }, "DeleteSecret", (_state, now) =>
    prepared({ type: "DeleteSecret", data: { forceDeleteWithoutRecovery: true, now } }),
  );
