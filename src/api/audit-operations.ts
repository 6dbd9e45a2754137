import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { Authorizer } from "../access/authorizer.js";
import type { Auditor } from "../audit/auditor.js";
import type { ChainedRecord } from "../audit/chain.js";
import { parseAnchor } from "../audit/verify.js";
import { concerns } from "../audit/verify.js";
import { accessDenied, invalidParameter } from "./errors.js";
import { decodeWith, type LedgerOperation } from "./ledger-operations.js";

// The audit trail as HTTP operations beside the ledger's others (for the web page and tools): its records,
// filtered, newest first; and the chain's verification with the head to keep. Actions secretledger:GetAuditRecords
// (on the secret, when one is named) and secretledger:VerifyAudit. The records never hold a value.

const MAX_RESULTS = 1000;
const DEFAULT_RESULTS = 100;

const RecordsInput = t.partial({
  SecretId: t.refinement(t.string, (s) => s.length >= 1 && s.length <= 2048, "SecretId"),
  Principal: t.string,
  Operation: t.string,
  Outcome: t.keyof({ Success: null, Refused: null }),
  Since: t.string,
  Until: t.string,
  /** Only records before this position on the chain (the answer's NextBefore pages on). */
  Before: t.number,
  MaxResults: t.refinement(t.number, (n) => Number.isInteger(n) && n >= 1 && n <= MAX_RESULTS, "1 to 1000"),
});
type RecordsInput = t.TypeOf<typeof RecordsInput>;

const timeOf = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const millis = Date.parse(iso);
  return Number.isNaN(millis) ? Number.NaN : millis;
};

/** Whether a record passes every filter the input names. */
const matches = (input: RecordsInput, since: number | undefined, until: number | undefined) => (r: ChainedRecord) => {
  const at = Date.parse(r.time);
  return (
    (input.SecretId === undefined || concerns(r, input.SecretId)) &&
    (input.Principal === undefined ||
      r.principal === input.Principal ||
      (r.principal ?? "").endsWith(`/${input.Principal}`)) &&
    (input.Operation === undefined || r.operation === input.Operation) &&
    (input.Outcome === undefined || (input.Outcome === "Success") === (r.outcome === "Success")) &&
    (since === undefined || at >= since) &&
    (until === undefined || at <= until) &&
    (input.Before === undefined || r.n < input.Before)
  );
};

export const auditOperationsOf = (deps: {
  readonly auditor: Auditor;
  readonly authorizer: Authorizer;
}): Readonly<Record<string, LedgerOperation>> => ({
  GetAuditRecords: {
    decode: decodeWith(
      RecordsInput,
      '{"SecretId"?, "Principal"?, "Operation"?, "Outcome"?, "Since"?, "Until"?, "Before"?, "MaxResults"?}',
    ),
    carriesValues: () => false,
    run: async (raw, caller) => {
      const input = raw as RecordsInput;
      const refusal = deps.authorizer.authorize(caller, "secretledger:GetAuditRecords", input.SecretId);
      if (refusal !== undefined) return E.left(accessDenied(refusal));
      const [since, until] = [timeOf(input.Since), timeOf(input.Until)];
      if (Number.isNaN(since) || Number.isNaN(until))
        return E.left(invalidParameter("Since and Until must be ISO 8601 times."));
      const records = (await deps.auditor.records()).filter(matches(input, since, until)).reverse();
      const page = records.slice(0, input.MaxResults ?? DEFAULT_RESULTS);
      const last = page.at(-1);
      return E.right({
        Records: page,
        ...(records.length > page.length && last !== undefined ? { NextBefore: last.n } : {}),
      });
    },
  },
  VerifyAudit: {
    decode: decodeWith(t.partial({ Anchor: t.string }), '{"Anchor"?: "<n>:<hash>"}'),
    carriesValues: () => false,
    run: async (input, caller) => {
      const refusal = deps.authorizer.authorize(caller, "secretledger:VerifyAudit", undefined);
      if (refusal !== undefined) return E.left(accessDenied(refusal));
      const text = input["Anchor"] as string | undefined;
      const anchor = text === undefined ? undefined : parseAnchor(text);
      if (text !== undefined && anchor === undefined)
        return E.left(invalidParameter("Anchor takes <n>:<hash>, as VerifyAudit answers its Head."));
      const { head, lastSeq, broken } = await deps.auditor.verify(anchor);
      return E.right({
        Intact: broken === undefined,
        Records: head.n,
        Messages: lastSeq,
        Head: `${head.n}:${head.hash}`,
        ...(broken === undefined ? {} : { Broken: broken }),
      });
    },
  },
});
