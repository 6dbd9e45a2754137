import { test } from "uvu";
import * as assert from "uvu/assert";
import * as E from "fp-ts/lib/Either.js";
import { randomBytes } from "node:crypto";
import { GENESIS, chain, verifyMessage, type AuditEntry, type ChainHead } from "../../src/audit/chain.js";

const key = randomBytes(32);
const entry = (i: number): AuditEntry => ({
  time: new Date(Date.UTC(2026, 10, 27, 12, 0, i)).toISOString(),
  requestId: `request-${i}`,
  principal: "arn:aws:iam::123456789012:user/reader",
  accessKeyId: "AKIDREADER",
  sourceIp: "127.0.0.1",
  userAgent: "test",
  operation: "GetSecretValue",
  secretArns: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"],
  versionIds: [],
  outcome: i === 2 ? "AccessDeniedException" : "Success",
});

/** Three messages of two records each, as the stream would hold them. */
const messages = (): Array<{ records: ReturnType<typeof chain>["records"] }> => {
  let head: ChainHead = GENESIS;
  return [0, 2, 4].map((start) => {
    const linked = chain(key, head, [entry(start + 1), entry(start + 2)]);
    head = linked.head;
    return { records: linked.records };
  });
};

const bytes = (m: object): Uint8Array => Buffer.from(JSON.stringify({ v: 1, ...m }));

const verifyAll = (ms: ReadonlyArray<{ seq: number; payload: Uint8Array }>, k = key) => {
  let head: ChainHead = GENESIS;
  let expected = 1;
  for (const m of ms) {
    const checked = verifyMessage(k, head, expected, m.seq, m.payload);
    if (E.isLeft(checked)) return checked;
    head = checked.right;
    expected = m.seq + 1;
  }
  return E.right(head);
};

test("an intact chain verifies to its last record", () => {
  const ms = messages();
  const result = verifyAll(ms.map((m, i) => ({ seq: i + 1, payload: bytes(m) })));
  assert.equal(result, E.right({ n: 6, hash: ms[2]?.records[1]?.hash }));
});

test("an altered record is named", () => {
  const ms = messages();
  const stored = ms.map((m, i) => ({ seq: i + 1, payload: bytes(m) }));
  const denied = ms[0]?.records[1];
  assert.is(denied?.outcome, "AccessDeniedException");
  // The refusal rewritten as a success, its hash left as it was.
  stored[0] = {
    seq: 1,
    payload: bytes({ records: ms[0]?.records.map((r) => (r.n === 2 ? { ...r, outcome: "Success" } : r)) }),
  };
  assert.equal(verifyAll(stored), E.left({ seq: 1, n: 2, problem: "altered: its hash does not match its content" }));
});

test("a removed message is named, whether it leaves a gap in the stream or not", () => {
  const ms = messages();
  const withGap = [
    { seq: 1, payload: bytes(ms[0] ?? {}) },
    { seq: 3, payload: bytes(ms[2] ?? {}) },
  ];
  const gap = verifyAll(withGap);
  assert.ok(E.isLeft(gap) && gap.left.seq === 2 && /missing/.test(gap.left.problem));
  const renumbered = [
    { seq: 1, payload: bytes(ms[0] ?? {}) },
    { seq: 2, payload: bytes(ms[2] ?? {}) },
  ];
  assert.equal(verifyAll(renumbered), E.left({ seq: 2, n: 3, problem: "record 3 missing (found 5)" }));
});

test("a chain rebuilt without the key does not verify", () => {
  const forged = chain(randomBytes(32), GENESIS, [entry(1), entry(2)]);
  const result = verifyAll([{ seq: 1, payload: bytes({ records: forged.records }) }]);
  assert.ok(E.isLeft(result) && result.left.n === 1);
});

test("bytes that are not an audit batch are an alteration", () => {
  const result = verifyAll([{ seq: 1, payload: Buffer.from("{not json") }]);
  assert.equal(result, E.left({ seq: 1, n: 1, problem: "not readable: altered" }));
});

test.run();
