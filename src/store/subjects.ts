// One stream per region, one subject per secret. A secret name may contain `.` (the subject token separator),
// so the name travels as one base64url token, which only uses [A-Za-z0-9_-].

/** One subject token for any text: base64url uses only [A-Za-z0-9_-]. */
const token = (s: string): string => Buffer.from(s, "utf8").toString("base64url");

export const streamName = (region: string): string => `SECRET_LEDGER_EVENTS_${region.toUpperCase().replace(/-/g, "_")}`;

export const subjectPrefix = (region: string): string => `secret-ledger.${region}.secret`;

export const secretSubject = (region: string, name: string): string => `${subjectPrefix(region)}.${token(name)}`;

export const nameOfSubject = (subject: string): string =>
  Buffer.from(subject.slice(subject.lastIndexOf(".") + 1), "base64url").toString("utf8");

export const keyStreamName = (region: string): string =>
  `SECRET_LEDGER_KEYS_${region.toUpperCase().replace(/-/g, "_")}`;

export const keySubjectPrefix = (region: string): string => `secret-ledger.${region}.key`;

/** Where the wrapped data key of one version lives: one subject per secret incarnation (ARN) and version. */
export const dataKeySubject = (region: string, arn: string, versionId: string): string =>
  `${keySubjectPrefix(region)}.v.${token(arn)}.${token(versionId)}`;

/** Where a secret's key of one epoch lives: one subject per secret incarnation (ARN) and epoch. */
export const secretKeySubject = (region: string, arn: string, epoch: number): string =>
  `${secretKeysOf(region, arn)}.${epoch}`;

/** Every epoch of a secret's key: `secretKeySubject` with a wildcard for the epoch. */
export const secretKeysOf = (region: string, arn: string): string => `${secretKeysPrefix(region)}.${token(arn)}`;

/** What the subjects of all of a region's secrets' keys begin with (`secretKeysOf` adds the secret). */
export const secretKeysPrefix = (region: string): string => `${keySubjectPrefix(region)}.s`;

/** Where a fact about the keyring the region's data keys are wrapped with is recorded (KeyStore.claim). */
export const keyringClaimSubject = (region: string, what: string): string =>
  `${keySubjectPrefix(region)}.claim.${token(what)}`;

/** Where a region keeps copies of other regions' secrets' keys (its replicas'): one subject of many per bucket. */
export const keyCopiesSubject = (region: string, bucket: number): string => `${keySubjectPrefix(region)}.c.${bucket}`;

/** Every bucket of copies: `keyCopiesSubject` with a wildcard. */
export const keyCopiesSubjects = (region: string): string => `${keySubjectPrefix(region)}.c.*`;

export const auditStreamName = (region: string): string =>
  `SECRET_LEDGER_AUDIT_${region.toUpperCase().replace(/-/g, "_")}`;

/** The audit trail of a region is one subject: one chain, its order the subject's order. */
export const auditSubject = (region: string): string => `secret-ledger.${region}.audit`;

export const replicationStreamName = (region: string): string =>
  `SECRET_LEDGER_REPLICATION_${region.toUpperCase().replace(/-/g, "_")}`;

/** What replica regions report to the primary `region`: one subject per replica region and secret, the last kept. */
export const replicationSubjectPrefix = (region: string): string => `secret-ledger.${region}.replication`;

export const replicationSubject = (primary: string, replica: string, secretName: string): string =>
  `${replicationSubjectPrefix(primary)}.${token(replica)}.${token(secretName)}`;

/** Every report replica region `replica` sends to the primary `primary`: `replicationSubject` with a wildcard. */
export const replicationSubjectsOf = (primary: string, replica: string): string =>
  `${replicationSubjectPrefix(primary)}.${token(replica)}.>`;

/**
 * Where replica region `replica` says how far it serves the primary `primary`'s replicas (its watermark): one
 * subject per replica region, a token shorter than its reports on single secrets.
 */
export const replicationWatermarkSubject = (primary: string, replica: string): string =>
  `${replicationSubjectPrefix(primary)}.${token(replica)}`;

/**
 * The replica region and secret name a report's subject names; no secret name for a replica region's watermark.
 */
export const ofReplicationSubject = (subject: string): { readonly replica: string; readonly secretName?: string } => {
  const tokens = subject.split(".");
  // secret-ledger.<region>.replication.<replica>[.<secret>]
  const [replica = "", secretName] = tokens.slice(3);
  return {
    replica: Buffer.from(replica, "base64url").toString("utf8"),
    ...(secretName === undefined ? {} : { secretName: Buffer.from(secretName, "base64url").toString("utf8") }),
  };
};
