import {
  DescribeSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { READ_AT_ONCE_BATCH } from "../src/store/key-store.js";
import { readUpTo } from "../src/store/streams.js";
import { keyStreamName, secretKeysPrefix, streamName } from "../src/store/subjects.js";
import { spawnService, stopChild } from "./processes.js";

// The two regions of bench:replication, and its replica region's first pass run again as deployed.

export const PRIMARY = "us-east-1";
export const REPLICA = "eu-west-1";
export const credentials = {
  accessKeyId: "AKIDBENCHMARK0000000",
  secretAccessKey: "bench/secret/key/0123456789abcdefghij",
};

/** The variables `npm start` would see to run a region's service. */
export const envOf = (
  dir: string,
  region: string,
  natsUrl: string,
  keyringFile: string,
  follows: string[],
): Record<string, string> => ({
  SECRET_LEDGER_LISTEN: "127.0.0.1:0",
  SECRET_LEDGER_DATA: join(dir, region),
  NATS_URL: natsUrl,
  SECRET_LEDGER_REGION: region,
  SECRET_LEDGER_ACCESS_KEY_ID: credentials.accessKeyId,
  SECRET_LEDGER_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  SECRET_LEDGER_KEYRING: keyringFile,
  SECRET_LEDGER_FOLLOWS: follows.join(","),
});

/**
 * The replica region as before its first pass, its primary's log mirrored: its data directory and every stream of its
 * own deleted (what it copied and reported there is what it makes again; the primary keeps what it was sent).
 */
const replicaRegionAnew = async (dir: string, natsUrl: string): Promise<void> => {
  rmSync(join(dir, REPLICA), { recursive: true, force: true });
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const own = [];
    for await (const stream of jsm.streams.list()) if (stream.config.mirror === undefined) own.push(stream.config.name);
    for (const name of own) await jsm.streams.delete(name);
  } finally {
    await nc.drain();
  }
};

/**
 * The replica region's first pass once more, as deployed: made anew (replicaRegionAnew), started in a process of its
 * own as `npm start` runs it, from its start until the primary holds its report of a write made while it was down
 * (what the primary learns once the pass is over: its watermark), in seconds; the primary is asked every 20 ms.
 */
export const firstPassApart = async (run: {
  readonly dir: string;
  readonly natsUrl: string;
  readonly keyringFile: string;
  readonly primary: SecretsManagerClient;
  readonly secretName: string;
}): Promise<number> => {
  const { primary, secretName } = run;
  const status = async (): Promise<string | undefined> =>
    (await primary.send(new DescribeSecretCommand({ SecretId: secretName }))).ReplicationStatus?.find(
      (r) => r.Region === REPLICA,
    )?.Status;
  await primary.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: randomUUID() }));
  if ((await status()) === "InSync") throw new Error("the primary holds the write in sync already: no end to wait for");
  await replicaRegionAnew(run.dir, run.natsUrl);
  const starting = performance.now();
  const child = spawnService(envOf(run.dir, REPLICA, run.natsUrl, run.keyringFile, [PRIMARY]), "ignore");
  try {
    while ((await status()) !== "InSync") {
      if (child.exitCode !== null) throw new Error(`the replica region's process ended (${child.exitCode})`);
      await sleep(20);
    }
    return (performance.now() - starting) / 1000;
  } finally {
    await stopChild(child);
  }
};

/** How many messages a raw read took, and how long. */
export type RawRead = { readonly messages: number; readonly seconds: number };

/**
 * The reads a replica region's first pass cannot do without, raw (bytes only, nothing decoded, checked or written),
 * through the replica region's nats-server as its service reads them: its mirror of the primary's log, and the
 * primary's secrets' keys over the leafnode (as many a pull as the pass asks for). The first pass's reference.
 */
export const firstPassReads = async (natsUrl: string): Promise<{ readonly log: RawRead; readonly keys: RawRead }> => {
  const nc = await connect({ servers: natsUrl });
  try {
    const timed = async (
      domain: string | undefined,
      stream: string,
      lastSeq: number,
      options: { readonly subject?: string; readonly batch?: number },
    ): Promise<RawRead> => {
      const reading = performance.now();
      let messages = 0;
      await readUpTo(
        jetstream(nc, domain === undefined ? {} : { domain }),
        stream,
        lastSeq,
        () => void messages++,
        options,
      );
      return { messages, seconds: (performance.now() - reading) / 1000 };
    };
    const mirror = streamName(PRIMARY);
    const mirrored = (await (await jetstreamManager(nc)).streams.info(mirror)).state.last_seq;
    const log = await timed(undefined, mirror, mirrored, {});
    const keyStream = keyStreamName(PRIMARY);
    const subject = `${secretKeysPrefix(PRIMARY)}.>`;
    const primary = await jetstreamManager(nc, { domain: PRIMARY });
    const lastKey = (await primary.streams.getMessage(keyStream, { last_by_subj: subject }))?.seq ?? 0;
    const keys = await timed(PRIMARY, keyStream, lastKey, { subject, batch: READ_AT_ONCE_BATCH });
    return { log, keys };
  } finally {
    await nc.drain();
  }
};
