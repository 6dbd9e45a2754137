// How IAM decides a request, for the parts Secrets Manager uses: identity policies (attached to the caller)
// and the secret's resource policy, in one account. An explicit Deny in either wins; otherwise an Allow in
// either grants; otherwise the request is denied by default. Pure: the caller's context comes in as data.

export type Statement = Readonly<Record<string, unknown>>;

/** What a request asks, as policies see it. Condition keys are matched case-insensitively, as IAM does. */
export type RequestContext = {
  readonly principalArn: string;
  readonly account: string;
  /** `secretsmanager:<Operation>`. */
  readonly action: string;
  /** The secret's ARN, or `*` for operations on no one secret (ListSecrets, GetRandomPassword). */
  readonly resource: string;
  readonly conditionKeys: Readonly<Record<string, ReadonlyArray<string>>>;
};

export type Decision =
  | { readonly _tag: "Allowed" }
  | { readonly _tag: "Denied"; readonly why: "explicit deny in an identity-based policy" }
  | { readonly _tag: "Denied"; readonly why: "explicit deny in a resource-based policy" }
  | { readonly _tag: "Denied"; readonly why: "no identity-based policy allows" };

const listOf = (u: unknown): ReadonlyArray<unknown> => (u === undefined ? [] : Array.isArray(u) ? u : [u]);
const strings = (u: unknown): ReadonlyArray<string> => listOf(u).filter((x): x is string => typeof x === "string");
const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u);

/** IAM's wildcards: `*` any run of characters, `?` any one character. */
export const wildcardMatch = (pattern: string, value: string, ignoreCase = false): boolean => {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, ignoreCase ? "is" : "s").test(value);
};

const actionMatches = (statement: Statement, action: string): boolean => {
  if (statement["Action"] !== undefined)
    return strings(statement["Action"]).some((p) => wildcardMatch(p, action, true));
  return !strings(statement["NotAction"]).some((p) => wildcardMatch(p, action, true));
};

/** A resource policy statement without Resource applies to the secret it is attached to. */
const resourceMatches = (statement: Statement, resource: string): boolean => {
  if (statement["Resource"] !== undefined)
    return strings(statement["Resource"]).some((p) => p === "*" || wildcardMatch(p, resource));
  if (statement["NotResource"] !== undefined)
    return !strings(statement["NotResource"]).some((p) => p === "*" || wildcardMatch(p, resource));
  return true;
};

const principalsIn = (u: unknown): ReadonlyArray<string> =>
  u === "*" ? ["*"] : isObject(u) ? Object.values(u).flatMap((v) => strings(v)) : [];

/**
 * Whether a resource policy's Principal names the caller: `*`, the caller's ARN, or (for `effect` Deny only)
 * the caller's account. An account as Principal does not grant by itself: within the account, it leaves the
 * decision to the identity policies, as IAM does.
 */
const principalMatches = (statement: Statement, ctx: RequestContext, effect: "Allow" | "Deny"): boolean => {
  const names = (p: string): boolean =>
    p === "*" ||
    p === ctx.principalArn ||
    (effect === "Deny" && (p === ctx.account || p === `arn:aws:iam::${ctx.account}:root`));
  if (statement["Principal"] !== undefined) return principalsIn(statement["Principal"]).some(names);
  if (statement["NotPrincipal"] !== undefined) return !principalsIn(statement["NotPrincipal"]).some(names);
  return false;
};

type Operator = (values: ReadonlyArray<string>, expected: ReadonlyArray<string>) => boolean;

const OPERATORS: Readonly<Record<string, Operator>> = {
  stringequals: (vs, es) => vs.some((v) => es.includes(v)),
  stringnotequals: (vs, es) => !vs.some((v) => es.includes(v)),
  stringequalsignorecase: (vs, es) => vs.some((v) => es.some((e) => e.toLowerCase() === v.toLowerCase())),
  stringnotequalsignorecase: (vs, es) => !vs.some((v) => es.some((e) => e.toLowerCase() === v.toLowerCase())),
  stringlike: (vs, es) => vs.some((v) => es.some((e) => wildcardMatch(e, v))),
  stringnotlike: (vs, es) => !vs.some((v) => es.some((e) => wildcardMatch(e, v))),
  arnequals: (vs, es) => vs.some((v) => es.some((e) => wildcardMatch(e, v))),
  arnlike: (vs, es) => vs.some((v) => es.some((e) => wildcardMatch(e, v))),
  arnnotequals: (vs, es) => !vs.some((v) => es.some((e) => wildcardMatch(e, v))),
  arnnotlike: (vs, es) => !vs.some((v) => es.some((e) => wildcardMatch(e, v))),
  bool: (vs, es) => vs.some((v) => es.some((e) => e.toLowerCase() === v.toLowerCase())),
};

/** Negated operators hold when the key is absent, as IAM's do. */
const NEGATED = new Set([
  "stringnotequals",
  "stringnotequalsignorecase",
  "stringnotlike",
  "arnnotequals",
  "arnnotlike",
]);

/**
 * Whether every condition of the statement holds. A condition this service cannot evaluate (an operator it
 * does not know) counts as holding for a Deny and as failing for an Allow: an unknown condition never opens
 * access and never removes a denial.
 */
const conditionsHold = (statement: Statement, ctx: RequestContext, effect: "Allow" | "Deny"): boolean => {
  const block = statement["Condition"];
  if (block === undefined) return true;
  if (!isObject(block)) return effect === "Deny";
  return Object.entries(block).every(([rawOperator, clauses]) => {
    if (!isObject(clauses)) return effect === "Deny";
    let name = rawOperator.toLowerCase();
    const setPrefix = name.startsWith("forallvalues:") ? "all" : name.startsWith("foranyvalue:") ? "any" : undefined;
    if (setPrefix !== undefined) name = name.slice(name.indexOf(":") + 1);
    const ifExists = name.endsWith("ifexists");
    if (ifExists) name = name.slice(0, -"ifexists".length);
    const operator = OPERATORS[name];
    if (operator === undefined) return effect === "Deny";
    return Object.entries(clauses).every(([key, expected]) => {
      const values = ctx.conditionKeys[key.toLowerCase()];
      const wanted = strings(expected);
      if (values === undefined || values.length === 0) {
        if (ifExists || setPrefix === "all") return true;
        return NEGATED.has(name);
      }
      if (setPrefix === "all") return values.every((v) => operator([v], wanted));
      return operator(values, wanted);
    });
  });
};

const applies = (statement: Statement, ctx: RequestContext, inResourcePolicy: boolean): boolean => {
  const effect = statement["Effect"] === "Deny" ? "Deny" : "Allow";
  return (
    actionMatches(statement, ctx.action) &&
    resourceMatches(statement, ctx.resource) &&
    (!inResourcePolicy || principalMatches(statement, ctx, effect)) &&
    conditionsHold(statement, ctx, effect)
  );
};

/** IAM's evaluation within one account: explicit deny, then any allow, else implicit deny. */
export const evaluate = (
  ctx: RequestContext,
  identityPolicies: ReadonlyArray<ReadonlyArray<Statement>>,
  resourcePolicy: ReadonlyArray<Statement> | undefined,
): Decision => {
  const identity = identityPolicies.flat().filter((s) => applies(s, ctx, false));
  const resource = (resourcePolicy ?? []).filter((s) => applies(s, ctx, true));
  if (identity.some((s) => s["Effect"] === "Deny"))
    return { _tag: "Denied", why: "explicit deny in an identity-based policy" };
  if (resource.some((s) => s["Effect"] === "Deny"))
    return { _tag: "Denied", why: "explicit deny in a resource-based policy" };
  if ([...identity, ...resource].some((s) => s["Effect"] === "Allow")) return { _tag: "Allowed" };
  return { _tag: "Denied", why: "no identity-based policy allows" };
};
