import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { createHmac, timingSafeEqual } from "node:crypto";

// The audit trail's records and the chain that links them. Each record carries its position `n`, the hash of
// the record before it, and its own hash: an HMAC, under a key derived from the keyring, of the previous hash
// and the record's fields in a fixed order. Altering, removing or reordering a record breaks the chain at that
// point, and without the key nobody can forge a chain that verifies.

/** One API call as the audit keeps it. Never a value, a key, a token or a signature. */
export const AuditEntry = t.type({
  time: t.string,
  requestId: t.string,
  /** The caller's ARN; absent when the request was not signed by a known key. */
  principal: t.union([t.string, t.null]),
  accessKeyId: t.union([t.string, t.null]),
  sourceIp: t.string,
  userAgent: t.string,
  operation: t.string,
  secretArns: t.array(t.string),
  versionIds: t.array(t.string),
  /** "Success", or the AWS error type the caller got. */
  outcome: t.string,
});
export type AuditEntry = t.TypeOf<typeof AuditEntry>;

export const ChainedRecord = t.intersection([AuditEntry, t.type({ n: t.number, prev: t.string, hash: t.string })]);
export type ChainedRecord = t.TypeOf<typeof ChainedRecord>;

/** One message on the audit stream: a run of consecutive records (the auditor writes them in batches). */
export const AuditBatch = t.type({ v: t.literal(1), records: t.array(ChainedRecord) });
export type AuditBatch = t.TypeOf<typeof AuditBatch>;

/** Where the chain stands: the last record's position and hash ("" and 0 before the first). */
export type ChainHead = { readonly n: number; readonly hash: string };
export const GENESIS: ChainHead = { n: 0, hash: "" };

/** The hashed form: every field, in one fixed order, whatever order the JSON came in. */
const canonical = (e: AuditEntry, n: number, prev: string): string =>
  JSON.stringify([
    n,
    prev,
    e.time,
    e.requestId,
    e.principal,
    e.accessKeyId,
    e.sourceIp,
    e.userAgent,
    e.operation,
    e.secretArns,
    e.versionIds,
    e.outcome,
  ]);

const hashOf = (key: Buffer, e: AuditEntry, n: number, prev: string): string =>
  createHmac("sha256", key)
    .update(canonical(e, n, prev))
    .digest("hex");

/** Links entries onto the chain after `head`. */
export const chain = (
  key: Buffer,
  head: ChainHead,
  entries: ReadonlyArray<AuditEntry>,
): { readonly records: ReadonlyArray<ChainedRecord>; readonly head: ChainHead } => {
  let { n, hash } = head;
  const records = entries.map((e) => {
    n += 1;
    const record: ChainedRecord = { ...e, n, prev: hash, hash: hashOf(key, e, n, hash) };
    hash = record.hash;
    return record;
  });
  return { records, head: { n, hash } };
};

export type ChainBreak = { readonly seq: number; readonly n?: number; readonly problem: string };

/**
 * Checks one message of the stream against the chain so far; answers the new head, or the first break. `seq`
 * is the message's stream sequence, `expectedSeq` the one that should have come (a gap is a removed message).
 */
export const verifyMessage = (
  key: Buffer,
  head: ChainHead,
  expectedSeq: number,
  seq: number,
  payload: Uint8Array,
): E.Either<ChainBreak, ChainHead> => {
  if (seq !== expectedSeq)
    return E.left({
      seq: expectedSeq,
      n: head.n + 1,
      problem: `message ${expectedSeq}${seq - 1 > expectedSeq ? `–${seq - 1}` : ""} missing: removed from the stream`,
    });
  let decoded: E.Either<t.Errors, AuditBatch>;
  try {
    decoded = AuditBatch.decode(JSON.parse(Buffer.from(payload).toString("utf8")));
  } catch {
    return E.left({ seq, n: head.n + 1, problem: "not readable: altered" });
  }
  if (E.isLeft(decoded)) return E.left({ seq, n: head.n + 1, problem: "not an audit batch: altered" });
  let current = head;
  for (const record of decoded.right.records) {
    if (record.n !== current.n + 1)
      return E.left({ seq, n: current.n + 1, problem: `record ${current.n + 1} missing (found ${record.n})` });
    if (record.prev !== current.hash)
      return E.left({ seq, n: record.n, problem: "does not follow the record before it" });
    const expected = Buffer.from(hashOf(key, record, record.n, record.prev), "hex");
    const recorded = Buffer.from(record.hash, "hex");
    if (expected.length !== recorded.length || !timingSafeEqual(expected, recorded))
      return E.left({ seq, n: record.n, problem: "altered: its hash does not match its content" });
    current = { n: record.n, hash: record.hash };
  }
  return E.right(current);
};
