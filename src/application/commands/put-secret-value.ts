import * as E from "fp-ts/lib/Either.js";
import type { ActiveSecret } from "../../domain/state.js";
import type { StagingLabel, VersionId } from "../../domain/types.js";
import type { ServiceError } from "../errors.js";
import type { Executed } from "../handle-command.js";
import { active, onSecret } from "../lookup.js";
import { sealedCommand } from "../sealing.js";
import type { Service } from "../service.js";

export type PutSecretValueInput = {
  readonly SecretId: string;
  readonly ClientRequestToken?: string;
  readonly SecretString?: string;
  readonly SecretBinary?: Buffer;
  readonly VersionStages?: ReadonlyArray<string>;
};

/** PutSecretValue: a new version `ClientRequestToken` of the secret, with the labels the rules give it. */
export const putSecretValue = async (
  service: Service,
  input: PutSecretValueInput,
): Promise<E.Either<ServiceError, { readonly secret: ActiveSecret; readonly versionId: VersionId }>> => {
  const token = input.ClientRequestToken as VersionId | undefined;
  const result = await onSecret(service, input.SecretId, "PutSecretValue", (state, now) => {
    // A secret gone meanwhile has no ARN to seal for; the decider refuses the command without values.
    const secret = state.status === "active" ? state : undefined;
    return sealedCommand(
      service,
      { state, arn: secret?.arn, token, values: input, kmsKeyId: secret?.kmsKeyId },
      (values) => ({
        type: "PutSecretValue",
        data: {
          ...(token === undefined ? {} : { clientRequestToken: token }),
          ...values,
          ...(input.VersionStages === undefined
            ? {}
            : { versionStages: input.VersionStages.map((l) => l as StagingLabel) }),
          versionPolicy: service.versionPolicy,
          now,
        },
      }),
    );
  });
  return E.map(({ state }: Executed) => ({ secret: active(state), versionId: token as VersionId }))(result);
};
