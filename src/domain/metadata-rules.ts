import * as E from "fp-ts/lib/Either.js";
import type { PutResourcePolicy, TagResource, UntagResource } from "./commands.js";
import { live, type Decision } from "./decision.js";
import {
  event,
  type ResourcePolicyDeleted,
  type ResourcePolicyPut,
  type SecretTagged,
  type SecretUntagged,
} from "./events.js";
import { grantsPublicAccess, isPolicyProblem, parsePolicy } from "./resource-policy.js";
import type { SecretState } from "./state.js";
import type { Millis } from "./types.js";

// The rules of a secret's metadata beyond its versions: tags (AWS's tagging rules) and the resource policy.

/** AWS tagging rule: at most 50 tags on a resource. */
export const MAX_TAGS = 50;

export const tagResource = (cmd: TagResource["data"], state: SecretState): Decision => {
  const secret = live(state);
  if (E.isLeft(secret)) return secret;
  // Keys that start with aws: belong to AWS's own services.
  const reserved = cmd.tags.find((tag) => tag.Key.toLowerCase().startsWith("aws:"));
  if (reserved !== undefined) return E.left({ _tag: "ReservedTagKey", key: reserved.Key });
  const keys = new Set([...(secret.right.tags ?? []).map((tag) => tag.Key), ...cmd.tags.map((tag) => tag.Key)]);
  if (keys.size > MAX_TAGS) return E.left({ _tag: "TagQuotaExceeded", limit: MAX_TAGS });
  return E.right(cmd.tags.length === 0 ? [] : [event<SecretTagged>("SecretTagged", { tags: cmd.tags }, cmd.now)]);
};

/** Removing a key the secret does not have is not an error; it changes nothing. */
export const untagResource = (cmd: UntagResource["data"], state: SecretState): Decision => {
  const secret = live(state);
  if (E.isLeft(secret)) return secret;
  const present = new Set((secret.right.tags ?? []).map((tag) => tag.Key));
  const tagKeys = [...new Set(cmd.tagKeys)].filter((key) => present.has(key));
  return E.right(tagKeys.length === 0 ? [] : [event<SecretUntagged>("SecretUntagged", { tagKeys }, cmd.now)]);
};

/** The policy is stored only if it parses, and, with BlockPublicPolicy, only if it does not open the secret to all. */
export const putResourcePolicy = (cmd: PutResourcePolicy["data"], state: SecretState): Decision => {
  const secret = live(state);
  if (E.isLeft(secret)) return secret;
  const parsed = parsePolicy(cmd.policy);
  if (isPolicyProblem(parsed)) return E.left({ _tag: "MalformedPolicy", message: parsed.message });
  if (cmd.blockPublicPolicy === true && grantsPublicAccess(parsed.statements))
    return E.left({ _tag: "PublicPolicyBlocked" });
  return E.right(
    secret.right.resourcePolicy === cmd.policy
      ? []
      : [event<ResourcePolicyPut>("ResourcePolicyPut", { policy: cmd.policy }, cmd.now)],
  );
};

/** Deleting a policy the secret does not have changes nothing. */
export const deleteResourcePolicy = (now: Millis, state: SecretState): Decision => {
  const secret = live(state);
  if (E.isLeft(secret)) return secret;
  return E.right(
    secret.right.resourcePolicy === undefined ? [] : [event<ResourcePolicyDeleted>("ResourcePolicyDeleted", {}, now)],
  );
};
