import { connect } from "@nats-io/transport-node";
import * as E from "fp-ts/lib/Either.js";
import { AuditBatch, type ChainedRecord } from "../../src/audit/chain.js";
import { AuditStream, type AuditMessage } from "../../src/store/audit-stream.js";
import { within } from "./nats.js";

/** Every message of the region's audit stream, as stored. */
export const auditMessages = async (natsUrl: string, region: string): Promise<AuditMessage[]> => {
  const nc = await connect({ servers: natsUrl });
  try {
    const messages: AuditMessage[] = [];
    await within(
      10_000,
      "reading the audit stream",
      (await AuditStream.open(nc, region)).read((m) => messages.push(m)),
    );
    return messages;
  } finally {
    await nc.drain();
  }
};

/** The audit records the messages hold, in order. */
export const recordsOf = (messages: ReadonlyArray<AuditMessage>): ChainedRecord[] =>
  messages.flatMap((m) => {
    const decoded = AuditBatch.decode(JSON.parse(Buffer.from(m.payload).toString("utf8")));
    return E.isRight(decoded) ? decoded.right.records : [];
  });
