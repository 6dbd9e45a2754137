import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "@nats-io/transport-node";
import { randomBytes, randomUUID } from "node:crypto";
import { Auditor } from "../../src/audit/auditor.js";
import type { AuditEntry } from "../../src/audit/chain.js";
import { verifyChain } from "../../src/audit/verify.js";
import { AuditStream } from "../../src/store/audit-stream.js";
import { freshRegion, sharedNatsUrl } from "../support/nats.js";

const entry = (operation: string): AuditEntry => ({
  time: new Date().toISOString(),
  requestId: randomUUID(),
  principal: "arn:aws:iam::123456789012:root",
  accessKeyId: "AKIDAUDITORTEST00000",
  sourceIp: "127.0.0.1",
  userAgent: "test",
  operation,
  secretArns: [],
  versionIds: [],
  outcome: "Success",
});

test("two servers' auditors, in bursts at once, write one unbroken chain of every record", async () => {
  const region = freshRegion();
  const key = randomBytes(32);
  const [ncA, ncB] = [await connect({ servers: sharedNatsUrl() }), await connect({ servers: sharedNatsUrl() })];
  try {
    const a = new Auditor(await AuditStream.open(ncA, region), key);
    const b = new Auditor(await AuditStream.open(ncB, region), key);
    // Bursts from both at once: batches race each other on the chain, within a server and between the two.
    const writes: Array<Promise<void>> = [];
    for (let burst = 0; burst < 20; burst++) {
      for (let i = 0; i < 25; i++) writes.push(a.record(entry(`a-${burst}-${i}`)), b.record(entry(`b-${burst}-${i}`)));
      await Promise.race(writes);
    }
    await Promise.all(writes);
    await Promise.all([a.whenIdle(), b.whenIdle()]);
    const chained = await verifyChain(await AuditStream.open(ncA, region), key);
    assert.is(chained.broken, undefined);
    assert.is(chained.head.n, 1000);
  } finally {
    await ncA.drain();
    await ncB.drain();
  }
});

test.run();
