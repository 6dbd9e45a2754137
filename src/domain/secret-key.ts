import * as E from "fp-ts/lib/Either.js";
import type { Carrying, ReplaceSecretKey } from "./commands.js";
import type { Decision } from "./decision.js";
import { event, type SecretEvent, type SecretKeyReplaced } from "./events.js";
import type { SecretState } from "./state.js";
import type { VersionId } from "./types.js";

// The secret's key: one per secret, in the key store, wrapping the data keys that sit beside their values in the
// log. A version's value can be read as long as the secret's key (or a later one holding its data key wrapped
// anew) exists; replacing the key, then erasing the old one, makes every version left out unreadable for good.

/**
 * Whether the events a command decided on `before` call for a new key of the secret, and whose data keys it then
 * holds: "every version" when they prune a version whose data key is in the log (the old keys must go, the new
 * one holds every survivor's); "labelled versions" when they move the secret to another KmsKeyId (AWS re-encrypts
 * those; the older keys stay for the others).
 */
export const newSecretKeyNeeded = (before: SecretState, events: ReadonlyArray<SecretEvent>): Carrying | undefined => {
  if (before.status !== "active" || before.keyEpoch === undefined) return undefined;
  const inLog = (id: string): boolean => before.versions.get(id as VersionId)?.value?.key.in === "log";
  if (events.some((e) => e.type === "VersionsPruned" && e.data.versionIds.some(inLog))) return "every version";
  const moves = events.some(
    (e) => e.type === "SecretUpdated" && e.data.kmsKeyId !== undefined && e.data.kmsKeyId !== before.kmsKeyId,
  );
  return moves ? "labelled versions" : undefined;
};

/**
 * The secret's new key, written to the key store as `keyEpoch`, replaces its older ones: erased after this event
 * when it carries every version, kept (`keepOlder`) when it carries only the labelled ones.
 */
export const replaceSecretKey = (cmd: ReplaceSecretKey["data"], state: SecretState): Decision => {
  if (state.status !== "active") return E.left({ _tag: "SecretNotFound" });
  if (cmd.keyEpoch <= (state.keyEpoch ?? 0)) return E.right([]);
  const data = {
    arn: state.arn,
    keyEpoch: cmd.keyEpoch,
    ...(cmd.carrying === "labelled versions" ? { keepOlder: true as const } : {}),
  };
  return E.right([event<SecretKeyReplaced>("SecretKeyReplaced", data, cmd.now)]);
};
