import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { readFileSync, statSync } from "node:fs";
import type { Credentials } from "../api/sigv4.js";
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
  if ((statSync(path).mode & 0o077) !== 0)
    throw new Error(`${path} is readable by others than its owner: chmod 600 it`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
  const decoded = PrincipalsFile.decode(json);
  if (E.isLeft(decoded))
    throw new Error(`${path} is not a principals file: each user needs name, accessKeys and policies`);
  const registry = new Map<string, Identity>();
  for (const user of decoded.right.users) {
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
