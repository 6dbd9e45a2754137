import * as E from "fp-ts/lib/Either.js";
import type { SecretError } from "./errors.js";
import type { ActiveSecret, SecretState, Version } from "./state.js";
import { AWSCURRENT, type StagingLabel, type ValueRef, type VersionId } from "./types.js";

/** A version that holds a value (every version but the empty one a rotation makes, until it is filled). */
export type FilledVersion = Version & { readonly value: ValueRef };

export const isFilled = (version: Version): version is FilledVersion => version.value !== undefined;

/**
 * Which version GetSecretValue reads: by VersionId, by VersionStage, or both (then they must agree); neither
 * means AWSCURRENT. A deprecated version can still be read by its VersionId; an empty one (a rotation's, not yet
 * filled) is not found, as on AWS.
 */
export const selectVersion = (
  state: SecretState,
  selector: { readonly versionId?: VersionId; readonly versionStage?: StagingLabel },
): E.Either<SecretError, { readonly secret: ActiveSecret; readonly version: FilledVersion }> => {
  if (state.status !== "active") return E.left({ _tag: "SecretNotFound" });
  if (state.deletion !== undefined) return E.left({ _tag: "SecretScheduledForDeletion" });
  const { versionId, versionStage } = selector;
  if (versionId !== undefined) {
    const version = state.versions.get(versionId);
    if (version === undefined) return E.left({ _tag: "VersionNotFound", versionId });
    if (versionStage !== undefined && state.labels.get(versionStage) !== versionId)
      return E.left({ _tag: "StageNotOnVersion" });
    if (!isFilled(version))
      return E.left(
        versionStage === undefined
          ? { _tag: "VersionNotFound", versionId }
          : { _tag: "StagingLabelNotFound", label: versionStage },
      );
    return E.right({ secret: state, version });
  }
  const label = versionStage ?? AWSCURRENT;
  const holder = state.labels.get(label);
  const version = holder === undefined ? undefined : state.versions.get(holder);
  if (version === undefined || !isFilled(version)) return E.left({ _tag: "StagingLabelNotFound", label });
  return E.right({ secret: state, version });
};

/** The partition, region and account a service answers for: the parts of its ARNs. */
export type Home = { readonly partition: string; readonly region: string; readonly account: string };

/** How a SecretId names a secret: by name, or by ARN (full, or partial: without the 6-character suffix). */
export type SecretReference =
  | { readonly kind: "name"; readonly name: string }
  | {
      readonly kind: "arn";
      readonly name: string;
      readonly suffixed?: { readonly name: string; readonly suffix: string };
    }
  | { readonly kind: "foreign" };

const ARN = /^arn:([^:]+):secretsmanager:([^:]*):([^:]*):secret:(.+)$/s;
const SUFFIXED = /^(.+)-([A-Za-z0-9]{6})$/s;

/**
 * Reads a SecretId. An ARN of another partition, region or account names nothing here. An ARN whose name part
 * ends in `-` and six characters is a full ARN (`suffixed`): AWS never reads it as a partial one.
 */
export const parseSecretId = (secretId: string, home: Home): SecretReference => {
  const arn = ARN.exec(secretId);
  if (arn === null) return { kind: "name", name: secretId };
  const [, partition, region, account, resource] = arn as unknown as [string, string, string, string, string];
  if (partition !== home.partition || region !== home.region || account !== home.account) return { kind: "foreign" };
  const suffixed = SUFFIXED.exec(resource);
  return suffixed === null
    ? { kind: "arn", name: resource }
    : { kind: "arn", name: resource, suffixed: { name: suffixed[1] as string, suffix: suffixed[2] as string } };
};

export const arnOf = (home: Home, name: string, suffix: string): string =>
  `arn:${home.partition}:secretsmanager:${home.region}:${home.account}:secret:${name}-${suffix}`;
