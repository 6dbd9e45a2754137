import { jetstream, type JsMsg } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { parentPort, workerData } from "node:worker_threads";
import type { ReaderBatch, ReaderTask, ToReader } from "./log-reader.js";
import { readUpTo } from "./streams.js";
import { nameOfSubject } from "./subjects.js";

// The thread that reads a stretch of the log for log-reader.ts: its own connection, an ordered read from the first
// record to the last, the records' bytes handed over in batches (moved, not copied). It decodes nothing: what it
// saves the service's thread is the NATS client's work, about a third of a replay's.

const BATCH_RECORDS = 1000;
const BATCH_BYTES = 1 << 20;

const run = async (task: ReaderTask, port: NonNullable<typeof parentPort>): Promise<void> => {
  let credit = task.batchesAhead;
  let waiting: (() => void) | undefined;
  port.on("message", (message: ToReader) => {
    if (message === "more") credit++;
    waiting?.();
  });
  const nc = await connect({ servers: [...task.servers], name: "secret-ledger-log-reader", noAsyncTraces: true });
  try {
    let bytes = Buffer.allocUnsafe(BATCH_BYTES);
    let used = 0;
    let ends: number[] = [];
    let seqs: number[] = [];
    let names: string[] = [];
    const send = async (): Promise<void> => {
      while (credit === 0) await new Promise<void>((resolve) => (waiting = resolve));
      credit--;
      const moved = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + used);
      const batch: ReaderBatch = { bytes: moved, ends, seqs, names };
      port.postMessage({ batch }, [moved]);
      bytes = Buffer.allocUnsafe(BATCH_BYTES);
      used = 0;
      ends = [];
      seqs = [];
      names = [];
    };
    const keep = (m: JsMsg): void => {
      const data = m.data;
      if (used + data.length > bytes.length) bytes = Buffer.allocUnsafe(Math.max(BATCH_BYTES, data.length));
      bytes.set(data, used);
      used += data.length;
      ends.push(used);
      seqs.push(m.seq);
      names.push(nameOfSubject(m.subject));
    };
    // Nothing awaited a record: only when a batch is full (or the next record would not fit in it).
    await readUpTo(
      jetstream(nc),
      task.stream,
      task.lastSeq,
      (m) => {
        if (used + m.data.length > bytes.length && seqs.length > 0) return send().then(() => keep(m));
        keep(m);
        return seqs.length >= BATCH_RECORDS ? send() : undefined;
      },
      { fromSeq: task.fromSeq },
    );
    if (seqs.length > 0) await send();
    port.postMessage({ done: true });
  } finally {
    await nc.close();
  }
};

if (parentPort !== null) {
  const port = parentPort;
  run(workerData as ReaderTask, port).catch((e: unknown) =>
    port.postMessage({ failed: e instanceof Error ? e.message : String(e) }),
  );
}
