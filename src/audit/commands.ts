import * as E from "fp-ts/lib/Either.js";
import { withNats } from "../store/nats-connection.js";
import type { Config } from "../config.js";
import { Keyring, readKeyringFile } from "../crypto/keyring.js";
import { AuditStream } from "../store/audit-stream.js";
import { AuditBatch, type ChainHead, type ChainedRecord } from "./chain.js";
import { concerns, verifyChain } from "./verify.js";

// `secret-ledger audit verify` and `secret-ledger audit tail`: the audit trail read back, checked, shown.

type Options = {
  readonly follow: boolean;
  readonly secret?: string;
  readonly anchor?: ChainHead;
  readonly out: (line: string) => void;
};

const chainKey = (config: Config): Buffer =>
  new Keyring(readKeyringFile(config.keyringFile), config).derivedKey("audit-chain");

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
