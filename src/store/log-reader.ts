import { Worker } from "node:worker_threads";

// A long stretch of the log (a replay, or a checkpoint far behind) read on a thread of its own: that thread does the
// NATS client's part of reading (a third of a replay's time on one thread), this one decodes and folds. Two cores
// then replay about as fast as one reads. The records come in order, in batches, a few batches ahead at most.

/** What the reading thread is asked: the records `fromSeq`..`lastSeq` of `stream`. */
export type ReaderTask = {
  readonly servers: ReadonlyArray<string>;
  readonly stream: string;
  readonly fromSeq: number;
  readonly lastSeq: number;
  /** How many batches it may send before this thread asked for more. */
  readonly batchesAhead: number;
};

/** Records in order: the payloads end to end in `bytes` (record i ends at `ends[i]`), their sequences and secrets. */
export type ReaderBatch = {
  readonly bytes: ArrayBuffer;
  readonly ends: ReadonlyArray<number>;
  readonly seqs: ReadonlyArray<number>;
  readonly names: ReadonlyArray<string>;
};

export type FromReader = { readonly batch: ReaderBatch } | { readonly done: true } | { readonly failed: string };
export type ToReader = "more";

const BATCHES_AHEAD = 4;

/**
 * Hands the records `fromSeq`..`lastSeq` of `stream` to `onRecord` in order (each as its payload's bytes), read
 * through a connection of a thread of its own to `servers`. Answers the last sequence handed over, and why it
 * stopped short if it did: the caller reads on from there itself. What `onRecord` throws rejects it.
 */
export const readApart = (
  task: Omit<ReaderTask, "batchesAhead">,
  onRecord: (seq: number, secretName: string, payload: Uint8Array) => void,
): Promise<{ readonly through: number; readonly failed?: string }> =>
  new Promise((resolve, reject) => {
    const workerData: ReaderTask = { ...task, batchesAhead: BATCHES_AHEAD };
    const worker = new Worker(new URL("./log-reader-thread.js", import.meta.url), { workerData });
    let through = task.fromSeq - 1;
    let settled = false;
    const end = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      outcome();
    };
    const stop = (failed?: string): void =>
      end(() => resolve(failed === undefined ? { through } : { through, failed }));
    worker.on("message", (message: FromReader) => {
      if ("failed" in message) return stop(message.failed);
      if ("done" in message) return stop();
      if (settled) return;
      // The next batch is read while this one is folded.
      worker.postMessage("more" satisfies ToReader);
      const { ends, seqs, names } = message.batch;
      const bytes = Buffer.from(message.batch.bytes);
      try {
        for (let i = 0, start = 0; i < seqs.length; i++) {
          const seq = seqs[i] as number;
          const until = ends[i] as number;
          onRecord(seq, names[i] as string, bytes.subarray(start, until));
          through = seq;
          start = until;
        }
      } catch (e) {
        end(() => reject(e instanceof Error ? e : new Error(String(e))));
      }
    });
    worker.on("error", (e) => stop(e.message));
    worker.on("exit", (code) => stop(`its thread ended (exit code ${code})`));
  });
