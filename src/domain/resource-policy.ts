// What Secrets Manager checks of a resource policy before it stores one: the JSON grammar of an IAM policy,
// and whether it grants access to everyone (refused when BlockPublicPolicy is set).

export type PolicyProblem = { readonly check: "SYNTAX_CHECKING" | "BROAD_ACCESS_CHECKING"; readonly message: string };

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u);
const listOf = (u: unknown): unknown[] => (Array.isArray(u) ? u : [u]);
const isStringOrStrings = (u: unknown): boolean =>
  typeof u === "string" || (Array.isArray(u) && u.length > 0 && u.every((x) => typeof x === "string"));

const STATEMENT_KEYS = new Set([
  "Sid",
  "Effect",
  "Principal",
  "NotPrincipal",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
]);

/**
 * The policy's statements if it parses and follows the grammar; otherwise what is wrong with it. A resource
 * policy names who it applies to (Principal); an identity policy applies to whom it is attached to, and names
 * what it applies to (Resource).
 */
export const parsePolicy = (
  text: string,
  kind: "resource" | "identity" = "resource",
  // eslint-disable-next-line complexity -- the policy grammar's checks, in AWS's order.
): { readonly statements: ReadonlyArray<Record<string, unknown>> } | PolicyProblem => {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { check: "SYNTAX_CHECKING", message: "The policy is not valid JSON." };
  }
  const syntax = (message: string): PolicyProblem => ({ check: "SYNTAX_CHECKING", message });
  if (!isObject(doc)) return syntax("The policy must be a JSON object.");
  for (const key of Object.keys(doc))
    if (!["Version", "Id", "Statement"].includes(key)) return syntax(`Unknown policy element: ${key}.`);
  if (doc["Version"] !== undefined && doc["Version"] !== "2012-10-17" && doc["Version"] !== "2008-10-17")
    return syntax("Version must be 2012-10-17 or 2008-10-17.");
  if (doc["Statement"] === undefined) return syntax("The policy has no Statement.");
  const statements = listOf(doc["Statement"]);
  if (statements.length === 0) return syntax("The policy has no Statement.");
  for (const statement of statements) {
    if (!isObject(statement)) return syntax("Each Statement must be a JSON object.");
    for (const key of Object.keys(statement))
      if (!STATEMENT_KEYS.has(key)) return syntax(`Unknown statement element: ${key}.`);
    if (statement["Effect"] !== "Allow" && statement["Effect"] !== "Deny")
      return syntax("Effect must be Allow or Deny.");
    if ((statement["Action"] === undefined) === (statement["NotAction"] === undefined))
      return syntax("A statement needs exactly one of Action and NotAction.");
    if (!isStringOrStrings(statement["Action"] ?? statement["NotAction"]))
      return syntax("Action must be a string or a list of strings.");
    if (kind === "resource" && (statement["Principal"] === undefined) === (statement["NotPrincipal"] === undefined))
      return syntax("A statement in a resource policy needs exactly one of Principal and NotPrincipal.");
    if (kind === "identity" && (statement["Principal"] !== undefined || statement["NotPrincipal"] !== undefined))
      return syntax("A statement in an identity policy has no Principal.");
    if (kind === "identity" && (statement["Resource"] === undefined) === (statement["NotResource"] === undefined))
      return syntax("A statement in an identity policy needs exactly one of Resource and NotResource.");
    const resource = statement["Resource"] ?? statement["NotResource"];
    if (resource !== undefined && !isStringOrStrings(resource))
      return syntax("Resource must be a string or a list of strings.");
    if (statement["Condition"] !== undefined && !isObject(statement["Condition"]))
      return syntax("Condition must be a JSON object.");
  }
  return { statements: statements as Array<Record<string, unknown>> };
};

const everyone = (principal: unknown): boolean =>
  principal === "*" || (isObject(principal) && Object.values(principal).some((p) => listOf(p).some((x) => x === "*")));

/** An Allow statement for every principal, or for all but some, without a condition narrowing it. */
export const grantsPublicAccess = (statements: ReadonlyArray<Record<string, unknown>>): boolean =>
  statements.some(
    (s) =>
      s["Effect"] === "Allow" &&
      s["Condition"] === undefined &&
      (everyone(s["Principal"]) || s["NotPrincipal"] !== undefined),
  );

export const isPolicyProblem = (u: unknown): u is PolicyProblem => typeof u === "object" && u !== null && "check" in u;
