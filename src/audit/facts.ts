// Which secrets and versions an API call touched, for its audit record: read from the request and the answer,
// never a value. A secret the call named but that was not found is recorded as the caller named it.

type Facts = { readonly secretArns: ReadonlyArray<string>; readonly versionIds: ReadonlyArray<string> };

const text = (u: unknown): string | undefined => (typeof u === "string" ? u : undefined);
const records = (u: unknown): ReadonlyArray<Record<string, unknown>> =>
  Array.isArray(u) ? u.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null) : [];

export const auditFacts = (
  input: Record<string, unknown> | undefined,
  output: object | null | undefined,
  /** A SecretId as its ARN when it names a secret, else as given. */
  targetOf: (secretId: string) => string,
  // eslint-disable-next-line complexity -- what the audit record takes from each operation's input, member by member.
): Facts => {
  const out = (output ?? {}) as Record<string, unknown>;
  const arns = new Set<string>();
  const versions = new Set<string>();
  const arn = text(out["ARN"]);
  const named = text(input?.["SecretId"]) ?? text(input?.["Name"]);
  if (arn !== undefined) arns.add(arn);
  else if (named !== undefined) arns.add(targetOf(named));
  for (const member of ["VersionId", "MoveToVersionId", "RemoveFromVersionId"]) {
    const id = text(out[member]) ?? text(input?.[member]);
    if (id !== undefined) versions.add(id);
  }
  // BatchGetSecretValue: every secret read, and every one asked for that could not be.
  for (const value of records(out["SecretValues"])) {
    const a = text(value["ARN"]);
    const v = text(value["VersionId"]);
    if (a !== undefined) arns.add(a);
    if (v !== undefined) versions.add(v);
  }
  for (const error of records(out["Errors"])) {
    const id = text(error["SecretId"]);
    if (id !== undefined) arns.add(targetOf(id));
  }
  if (output === undefined || output === null)
    for (const id of Array.isArray(input?.["SecretIdList"]) ? (input["SecretIdList"] as unknown[]) : [])
      if (typeof id === "string") arns.add(targetOf(id));
  return { secretArns: [...arns], versionIds: [...versions] };
};
