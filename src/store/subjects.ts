// One stream per region, one subject per secret. A secret name may contain `.` (the subject token separator),
// so the name travels as one base64url token, which only uses [A-Za-z0-9_-].

export const streamName = (region: string): string => `SECRET_LEDGER_${region.toUpperCase().replace(/-/g, "_")}`;

export const subjectPrefix = (region: string): string => `secret-ledger.${region}.secret`;

export const secretSubject = (region: string, name: string): string =>
  `${subjectPrefix(region)}.${Buffer.from(name, "utf8").toString("base64url")}`;

export const nameOfSubject = (subject: string): string =>
  Buffer.from(subject.slice(subject.lastIndexOf(".") + 1), "base64url").toString("utf8");

export const keyBucketName = (region: string): string => `secret-ledger-keys-${region}`;

/** Where the wrapped data key of one version lives: a KV key (`[-/=.\w]+`) per secret incarnation and version. */
export const dataKeyKey = (arn: string, versionId: string): string =>
  `${Buffer.from(arn, "utf8").toString("base64url")}.${Buffer.from(versionId, "utf8").toString("base64url")}`;
