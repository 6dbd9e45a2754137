import * as E from "fp-ts/lib/Either.js";
import type { AuditStream } from "../store/audit-stream.js";
import { AuditBatch, GENESIS, verifyMessage, type ChainBreak, type ChainHead, type ChainedRecord } from "./chain.js";

// The audit trail read back: the chain checked from its first message, and its records, decoded.

/**
 * Walks the whole chain: every message present, in sequence, each record linked to the one before and with
 * the hash its content gives. A chain cut short at its end still links; an `anchor` (a head an earlier verify
 * printed, kept elsewhere) catches that: the chain must still hold that record with that hash.
 */
export const verifyChain = async (
  stream: AuditStream,
  key: Buffer,
  anchor?: ChainHead,
): Promise<{ readonly head: ChainHead; readonly lastSeq: number; readonly broken?: ChainBreak }> => {
  let head: ChainHead = GENESIS;
  let expectedSeq = 1;
  let broken: ChainBreak | undefined;
  let anchored: ChainHead | undefined;
  await stream.read(({ seq, payload }) => {
    if (broken !== undefined) return;
    const checked = verifyMessage(key, head, expectedSeq, seq, payload);
    if (E.isLeft(checked)) broken = checked.left;
    else {
      if (anchor !== undefined && anchor.n > head.n && anchor.n <= checked.right.n)
        anchored = recordIn(payload, anchor.n);
      head = checked.right;
    }
    expectedSeq = seq + 1;
  });
  const { lastSeq } = await stream.bounds();
  if (broken === undefined && expectedSeq <= lastSeq)
    broken = {
      seq: expectedSeq,
      n: head.n + 1,
      problem: `messages ${expectedSeq}–${lastSeq} missing: removed from the stream`,
    };
  if (broken === undefined && anchor !== undefined && anchored?.hash !== anchor.hash)
    broken = {
      seq: lastSeq + 1,
      n: anchor.n,
      problem:
        anchored === undefined
          ? `the chain ends at record ${head.n}, before the anchored record ${anchor.n}: records were removed from its end`
          : "it is not the anchored record: the chain was rewritten",
    };
  return { head, lastSeq, ...(broken === undefined ? {} : { broken }) };
};

const recordIn = (payload: Uint8Array, n: number): ChainHead | undefined => {
  const decoded = AuditBatch.decode(JSON.parse(Buffer.from(payload).toString("utf8")));
  const record = E.isRight(decoded) ? decoded.right.records.find((r) => r.n === n) : undefined;
  return record === undefined ? undefined : { n: record.n, hash: record.hash };
};

/** Every record of the stream, in chain order (a message that does not decode is passed over: verify says so). */
export const auditRecords = async (stream: AuditStream): Promise<ChainedRecord[]> => {
  const records: ChainedRecord[] = [];
  await stream.read(({ payload }) => {
    try {
      const decoded = AuditBatch.decode(JSON.parse(Buffer.from(payload).toString("utf8")));
      if (E.isRight(decoded)) records.push(...decoded.right.records);
    } catch {
      // not a batch: audit verify names it
    }
  });
  return records;
};

/** The name in a secret's ARN, without the 6-character suffix. */
const nameInArn = (arn: string): string | undefined => /:secret:(.+)-[A-Za-z0-9]{6}$/s.exec(arn)?.[1];

/** Whether a record concerns the secret named (by name, partial ARN or ARN). */
export const concerns = (record: ChainedRecord, secret: string): boolean =>
  record.secretArns.some((arn) => arn === secret || nameInArn(arn) === secret || arn.startsWith(`${secret}-`));

/** An anchor as `audit verify` prints it: `<n>:<hash>`. */
export const parseAnchor = (text: string): ChainHead | undefined => {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text);
  return match === null ? undefined : { n: Number(match[1]), hash: match[2] as string };
};
