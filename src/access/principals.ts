import * as t from "io-ts";
import type { Credentials } from "./sigv4.js";
import { readPrivateJson } from "../private-files.js";
import { isPolicyProblem, parsePolicy } from "../domain/resource-policy.js";
import type { Statement } from "./policy-evaluation.js";

// Who may call the service: the principals file maps access keys to IAM users and their identity policies.
// It is read again whenever it changes (WatchedFile), so keys and policies change without a restart.

const AccessKey = t.type({ accessKeyId: t.string, secretAccessKey: t.string });
const User = t.type({
  name: t.refinement(t.string, (s) => /^[\w+=,.@-]{1,64}$/.test(s), "IAM user name"),
  accessKeys: t.array(AccessKey),
  policies: t.array(t.UnknownRecord),
});
export const PrincipalsFile = t.type({ users: t.array(User) });

/** A caller the service knows: the bootstrap credentials are the account's root, allowed everything. */
export type Principal =
  | { readonly kind: "root"; readonly arn: string }
  | {
      readonly kind: "user";
      readonly arn: string;
      readonly name: string;
      readonly policies: ReadonlyArray<ReadonlyArray<Statement>>;
    };

export type Identity = { readonly credentials: Credentials; readonly principal: Principal };

/** Access key id → identity, from the principals file. */
export type PrincipalRegistry = ReadonlyMap<string, Identity>;

export const readPrincipalsFile = (path: string, account: string): PrincipalRegistry => {
  const file = readPrivateJson(path, PrincipalsFile, "a principals file (users with name, accessKeys, policies)");
  const registry = new Map<string, Identity>();
  for (const user of file.users) {
    const policies = user.policies.map((policy, i) => {
      const parsed = parsePolicy(JSON.stringify(policy), "identity");
      if (isPolicyProblem(parsed)) throw new Error(`${path}: policy ${i + 1} of user ${user.name}: ${parsed.message}`);
      return parsed.statements;
    });
    const principal: Principal = {
      kind: "user",
      arn: `arn:aws:iam::${account}:user/${user.name}`,
      name: user.name,
      policies,
    };
    for (const key of user.accessKeys) {
      if (registry.has(key.accessKeyId)) throw new Error(`${path}: access key ${key.accessKeyId} appears twice`);
      registry.set(key.accessKeyId, { credentials: key, principal });
    }
  }
  return registry;
};
