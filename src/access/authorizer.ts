import { isPolicyProblem, parsePolicy } from "../domain/resource-policy.js";
import type { Tag } from "../domain/types.js";
import { evaluate, type Decision, type RequestContext, type Statement } from "./policy-evaluation.js";
import type { Principal } from "./principals.js";

/** What authorization needs to know of the secret a request names. */
export type AccessTarget = {
  /** The secret's ARN; for a secret that does not exist, the ARN it would have, without the random suffix. */
  readonly arn: string;
  /** How a refusal names it: the ARN of an existing secret, otherwise the id as the caller gave it. */
  readonly shownAs: string;
  readonly tags: ReadonlyArray<Tag>;
  readonly resourcePolicy?: string;
};

/** Who is calling, from where: what the audit records and conditions may test. */
export type Caller = {
  readonly requestId: string;
  readonly principal: Principal;
  readonly accessKeyId: string;
  readonly sourceIp: string;
  readonly userAgent: string;
};

export type Refusal = {
  readonly principalArn: string;
  readonly action: string;
  /** Absent for operations on no one secret. */
  readonly resource?: string;
  readonly why: Exclude<Decision, { _tag: "Allowed" }>["why"];
};

const PARSED_POLICIES_KEPT = 1000;

/**
 * Decides whether a caller may run an operation on what its input names: the root principal (the bootstrap
 * credentials) may do anything; a user needs an Allow from its identity policies or the secret's resource
 * policy, and no Deny in either.
 */
export class Authorizer {
  private readonly parsed = new Map<string, ReadonlyArray<Statement>>();

  constructor(
    private readonly account: string,
    private readonly targetOf: (secretId: string) => AccessTarget,
  ) {}

  /** The operation's own check; BatchGetSecretValue's per-secret GetSecretValue goes through `mayRead`. */
  check(caller: Caller, operation: string, input: Record<string, unknown>): Refusal | undefined {
    const secretId = input["SecretId"] ?? (operation === "CreateSecret" ? input["Name"] : undefined);
    const target = typeof secretId === "string" ? this.targetOf(secretId) : undefined;
    const refusal = this.decide(caller, `secretsmanager:${operation}`, target, input);
    if (refusal !== undefined || operation !== "BatchGetSecretValue" || input["Filters"] === undefined) return refusal;
    // Filters list secrets: that needs ListSecrets too, as on AWS.
    return this.decide(caller, "secretsmanager:ListSecrets", undefined, {});
  }

  /** Whether the caller may take `action` on the secret `secretId` names (or, without one, on `*`). */
  authorize(caller: Caller, action: string, secretId: string | undefined): Refusal | undefined {
    return this.decide(caller, action, secretId === undefined ? undefined : this.targetOf(secretId), {});
  }

  /** Whether the caller may read one secret's value (BatchGetSecretValue, secret by secret). */
  mayRead(caller: Caller, secretId: string): Refusal | undefined {
    return this.decide(caller, "secretsmanager:GetSecretValue", this.targetOf(secretId), {});
  }

  private decide(
    caller: Caller,
    action: string,
    target: AccessTarget | undefined,
    input: Record<string, unknown>,
  ): Refusal | undefined {
    const { principal } = caller;
    if (principal.kind === "root") return undefined;
    const ctx: RequestContext = {
      principalArn: principal.arn,
      account: this.account,
      action,
      resource: target?.arn ?? "*",
      conditionKeys: conditionKeys(caller, principal.name, target, input),
    };
    const resourcePolicy = target?.resourcePolicy === undefined ? undefined : this.statementsOf(target.resourcePolicy);
    const decision = evaluate(ctx, principal.policies, resourcePolicy);
    if (decision._tag === "Allowed") return undefined;
    return {
      principalArn: principal.arn,
      action,
      ...(target === undefined ? {} : { resource: target.shownAs }),
      why: decision.why,
    };
  }

  private statementsOf(policy: string): ReadonlyArray<Statement> {
    let statements = this.parsed.get(policy);
    if (statements === undefined) {
      const parsed = parsePolicy(policy);
      // A stored policy passed these checks when it was put; one that no longer parses grants nothing.
      statements = isPolicyProblem(parsed) ? [] : parsed.statements;
      if (this.parsed.size >= PARSED_POLICIES_KEPT) this.parsed.clear();
      this.parsed.set(policy, statements);
    }
    return statements;
  }
}

/** The condition keys Secrets Manager and IAM offer for a request, lower-cased as IAM compares them. */
const conditionKeys = (
  caller: Caller,
  userName: string,
  target: AccessTarget | undefined,
  input: Record<string, unknown>,
): Record<string, ReadonlyArray<string>> => {
  const keys: Record<string, ReadonlyArray<string>> = {
    "aws:principalarn": [caller.principal.arn],
    "aws:principaltype": ["User"],
    "aws:username": [userName],
    "aws:sourceip": [caller.sourceIp],
    "aws:useragent": [caller.userAgent],
    "aws:securetransport": ["false"],
  };
  if (target !== undefined) {
    keys["secretsmanager:secretid"] = [target.arn];
    for (const tag of target.tags) {
      keys[`secretsmanager:resourcetag/${tag.Key.toLowerCase()}`] = [tag.Value];
      keys[`aws:resourcetag/${tag.Key.toLowerCase()}`] = [tag.Value];
    }
  }
  for (const [member, key] of [
    ["Name", "secretsmanager:name"],
    ["VersionId", "secretsmanager:versionid"],
    ["VersionStage", "secretsmanager:versionstage"],
    ["KmsKeyId", "secretsmanager:kmskeyid"],
    ["Description", "secretsmanager:description"],
  ] as const) {
    const value = input[member];
    if (typeof value === "string") keys[key] = [value];
  }
  const tags = input["Tags"];
  if (Array.isArray(tags)) {
    const requestTags = tags as ReadonlyArray<{ Key?: string; Value?: string }>;
    keys["aws:tagkeys"] = requestTags.map((t) => t.Key ?? "");
    for (const t of requestTags) keys[`aws:requesttag/${(t.Key ?? "").toLowerCase()}`] = [t.Value ?? ""];
  }
  return keys;
};
