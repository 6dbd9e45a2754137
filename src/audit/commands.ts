import * as E from "fp-ts/lib/Either.js";
import { withNats } from "../store/nats-connection.js";
import type { Config } from "../config.js";
import { Keyring, readKeyringFile } from "../crypto/keyring.js";
import { AuditStream } from "../store/audit-stream.js";
import { AuditBatch, GENESIS, verifyMessage, type ChainBreak, type ChainHead, type ChainedRecord } from "./chain.js";

// `secret-ledger audit verify` and `secret-ledger audit tail`: the audit trail read back, checked, shown.

type Options = {
  readonly follow: boolean;
  readonly secret?: string;
  readonly anchor?: ChainHead;
  readonly out: (line: string) => void;
};

const chainKey = (config: Config): Buffer =>
  new Keyring(readKeyringFile(config.keyringFile), config).derivedKey("audit-chain");

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

/** An anchor as `audit verify` prints it: `<n>:<hash>`. */
export const parseAnchor = (text: string): ChainHead | undefined => {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text);
  return match === null ? undefined : { n: Number(match[1]), hash: match[2] as string };
};

const verify = async (config: Config, out: (line: string) => void, anchor?: ChainHead): Promise<number> => {
  const key = chainKey(config);
  return withNats(config, async (nc) => {
    const { head, lastSeq, broken } = await verifyChain(await AuditStream.open(nc, config.region), key, anchor);
    if (broken !== undefined) {
      out(
        `audit chain BROKEN at message ${broken.seq}${broken.n === undefined ? "" : `, record ${broken.n}`}: ${broken.problem}`,
      );
      out(`records 1–${head.n} verified before the break`);
      return 1;
    }
    out(`audit chain intact: ${head.n} record(s) in ${lastSeq} message(s)`);
    out(
      `head: ${head.n}:${head.hash}  (keep it elsewhere; audit verify --anchor ${head.n}:<hash> later proves no record up to it was cut)`,
    );
    return 0;
  });
};

/** The name in a secret's ARN, without the 6-character suffix. */
const nameInArn = (arn: string): string | undefined => /:secret:(.+)-[A-Za-z0-9]{6}$/s.exec(arn)?.[1];

/** Whether a record concerns the secret named (by name, partial ARN or ARN). */
const concerns = (record: ChainedRecord, secret: string): boolean =>
  record.secretArns.some((arn) => arn === secret || nameInArn(arn) === secret || arn.startsWith(`${secret}-`));

/** A field as one line can show it: a caller-chosen text (a SecretId, a user agent) cannot forge a line. */
const printable = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f\u2028\u2029]/.test(text) ? JSON.stringify(text) : text;

const readable = (r: ChainedRecord): string =>
  [
    r.time,
    `#${r.n}`,
    r.outcome,
    r.operation === "" ? "-" : printable(r.operation),
    r.principal ?? `(unauthenticated${r.accessKeyId === null ? "" : ` ${r.accessKeyId}`})`,
    r.secretArns.length === 0 ? "-" : r.secretArns.map(printable).join(","),
    r.versionIds.length === 0 ? "-" : `versions=${r.versionIds.map(printable).join(",")}`,
    `from=${r.sourceIp}`,
    `request=${r.requestId}`,
    JSON.stringify(r.userAgent),
  ].join("  ");

const tail = async (config: Config, options: Options): Promise<number> =>
  withNats(config, async (nc) => {
    const stream = await AuditStream.open(nc, config.region);
    const stop = new AbortController();
    const interrupt = (): void => stop.abort();
    process.once("SIGINT", interrupt);
    process.once("SIGTERM", interrupt);
    try {
      await stream.read(
        ({ seq, payload }) => {
          let batch: AuditBatch | undefined;
          try {
            const decoded = AuditBatch.decode(JSON.parse(Buffer.from(payload).toString("utf8")));
            batch = E.isRight(decoded) ? decoded.right : undefined;
          } catch {
            batch = undefined;
          }
          if (batch === undefined) {
            options.out(`message ${seq}: not readable (run audit verify)`);
            return;
          }
          for (const record of batch.records)
            if (options.secret === undefined || concerns(record, options.secret)) options.out(readable(record));
        },
        { follow: options.follow, signal: stop.signal },
      );
    } finally {
      process.off("SIGINT", interrupt);
      process.off("SIGTERM", interrupt);
    }
    return 0;
  });

export const auditCommand = (config: Config, action: "verify" | "tail", options: Options): Promise<number> =>
  action === "verify" ? verify(config, options.out, options.anchor) : tail(config, options);
