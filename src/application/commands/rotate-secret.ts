import * as E from "fp-ts/lib/Either.js";
import type { SecretCommand } from "../../domain/commands.js";
import type { ActiveSecret, SecretState } from "../../domain/state.js";
import { AWSCURRENT, type RotationRules, type VersionId } from "../../domain/types.js";
import type { ServiceError } from "../errors.js";
import { prepared, type Executed } from "../handle-command.js";
import { active, onSecret } from "../lookup.js";
import { openSealed, sealedCommand, type PlainValues } from "../sealing.js";
import type { Service } from "../service.js";

export type RotateSecretInput = {
  readonly SecretId: string;
  readonly ClientRequestToken?: string;
  readonly RotationLambdaARN?: string;
  readonly RotationRules?: {
    readonly AutomaticallyAfterDays?: number;
    readonly Duration?: string;
    readonly ScheduleExpression?: string;
  };
  readonly RotateImmediately?: boolean;
};

/**
 * RotateSecret: stores the rotation's configuration and starts the rotation, which runs after the answer. A
 * function this service cannot invoke is refused before anything is saved, as on AWS.
 */
export const rotateSecret = async (
  service: Service,
  input: RotateSecretInput,
): Promise<E.Either<ServiceError, { readonly secret: ActiveSecret; readonly versionId: VersionId }>> => {
  const token = input.ClientRequestToken as VersionId | undefined;
  const lambdaArn = input.RotationLambdaARN === "" ? undefined : input.RotationLambdaARN;
  const rules = rulesOf(input.RotationRules);
  const immediately = input.RotateImmediately !== false;
  const result = await onSecret(service, input.SecretId, "RotateSecret", async (state, now) => {
    const invoked = lambdaArn ?? (state.status === "active" ? state.rotation?.lambdaArn : undefined);
    if (state.status === "active" && state.deletion === undefined && invoked !== undefined)
      if (service.rotations.functions.find(invoked) === undefined)
        return E.left({ _tag: "RotationFunctionNotInvokable" } as const);
    const command = (currentCopy?: RotationCopy) => ({
      type: "RotateSecret" as const,
      data: {
        ...(token === undefined ? {} : { clientRequestToken: token }),
        ...(lambdaArn === undefined ? {} : { lambdaArn }),
        ...(rules === undefined ? {} : { rules }),
        rotateImmediately: immediately,
        ...(currentCopy === undefined ? {} : { currentCopy }),
        versionPolicy: service.versionPolicy,
        now,
      },
    });
    const current = immediately || token === undefined ? undefined : await currentValue(service, state);
    if (current === undefined) return prepared(command());
    if (E.isLeft(current)) return current;
    const { secret, values } = current.right;
    return sealedCommand(service, { state, arn: secret.arn, token, values, kmsKeyId: secret.kmsKeyId }, (sealed) =>
      command(sealed.secretString ?? sealed.secretBinary),
    );
  });
  // The rotation this command started runs here, after the answer.
  if (E.isRight(result) && result.right.state.status === "active")
    service.rotations.runStarted(result.right.state.name, result.right.events);
  return E.map(({ state }: Executed) => ({ secret: active(state), versionId: token as VersionId }))(result);
};

type RotationCopy = NonNullable<Extract<SecretCommand, { type: "RotateSecret" }>["data"]["currentCopy"]>;

const rulesOf = (rules: RotateSecretInput["RotationRules"]): RotationRules | undefined =>
  rules === undefined
    ? undefined
    : {
        ...(rules.AutomaticallyAfterDays === undefined ? {} : { automaticallyAfterDays: rules.AutomaticallyAfterDays }),
        ...(rules.ScheduleExpression === undefined ? {} : { scheduleExpression: rules.ScheduleExpression }),
        ...(rules.Duration === undefined ? {} : { duration: rules.Duration }),
      };

/** The AWSCURRENT value, to be copied into a test's pending version (none: the secret has no current value). */
const currentValue = async (
  service: Service,
  state: SecretState,
): Promise<E.Either<ServiceError, { readonly secret: ActiveSecret; readonly values: PlainValues }> | undefined> => {
  if (state.status !== "active" || state.deletion !== undefined) return undefined;
  const versionId = state.labels.get(AWSCURRENT);
  const ref = versionId === undefined ? undefined : state.versions.get(versionId)?.value;
  if (versionId === undefined || ref === undefined) return undefined;
  const plaintext = await openSealed(service, service.values, state, versionId, ref);
  return E.map((bytes: Buffer) => ({
    secret: state,
    values: ref.kind === "string" ? { SecretString: bytes.toString("utf8") } : { SecretBinary: bytes },
  }))(plaintext);
};
