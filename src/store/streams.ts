import {
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type OrderedConsumerOptions,
  type StoredMsg,
  type StreamConfig,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

/**
 * Creates the stream unless it exists. An existing stream keeps its configuration, except the `updatable`
 * settings, which are brought to what `config` asks (a store made by an earlier version of the service).
 */
export const ensureStream = async (
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { readonly name: string },
  updatable: ReadonlyArray<keyof StreamConfig> = [],
): Promise<void> => {
  let existing: StreamConfig;
  try {
    existing = (await jsm.streams.info(config.name)).config;
  } catch (e) {
    if (!(e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound)) throw e;
    await addWhenPlaced(jsm, config);
    return;
  }
  const changes = Object.fromEntries(
    updatable
      .filter((key) => config[key] !== undefined && existing[key] !== config[key])
      .map((key) => [key, config[key]]),
  );
  if (Object.keys(changes).length > 0) await jsm.streams.update(config.name, changes);
};

/** JetStream's answers while a cluster is still forming: no peers known to place on yet, or no leader yet. */
const CLUSTER_FORMING = new Set([10005, 10008]);
const PLACEMENT_ATTEMPTS = 40;
const PLACEMENT_RETRY_MS = 250;

/**
 * Adds a stream; on a cluster that is still forming (the service started with it), tries again for up to ten
 * seconds before giving up.
 */
const addWhenPlaced = async (jsm: JetStreamManager, config: Partial<StreamConfig> & { readonly name: string }) => {
  for (let attempt = 1; ; attempt++) {
    try {
      await jsm.streams.add(config);
      return;
    } catch (e) {
      const forming = e instanceof JetStreamApiError && CLUSTER_FORMING.has(e.apiError().err_code);
      if (!forming || attempt >= PLACEMENT_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, PLACEMENT_RETRY_MS));
    }
  }
};

/**
 * An append-only stream: file storage, kept by no limit, no message deleted or purged, no rollups; direct gets
 * for reads by subject. The log and the audit trail are such streams.
 */
export const appendOnlyStream = (
  name: string,
  subjects: string[],
  replicas = 1,
): Partial<StreamConfig> & { readonly name: string } => ({
  name,
  subjects,
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.Old,
  num_replicas: replicas,
  deny_delete: true,
  deny_purge: true,
  allow_rollup_hdrs: false,
  allow_direct: true,
});

/** The expected-sequence guard refused a publish: someone else wrote first. */
export const isWrongLastSequence = (e: unknown): e is JetStreamApiError =>
  e instanceof JetStreamApiError &&
  (e.code === JetStreamApiCodes.StreamWrongLastSequence || e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

/**
 * Hands every message of the stream (or of one subject), in order, to `onMessage`, from `fromSeq` (the first) up to
 * `lastSeq`. A fetch that finds nothing more ends it early: a message nats-server finds damaged, or one deleted, is
 * never delivered, even the last. An `onMessage` that answers a promise holds the reading until it settles.
 */
export const readUpTo = async (
  js: JetStreamClient,
  stream: string,
  lastSeq: number,
  onMessage: (m: JsMsg) => void | Promise<void>,
  options: {
    readonly subject?: string;
    readonly fromSeq?: number;
    /** How many messages one pull asks for. */
    readonly batch?: number;
  } = {},
): Promise<void> => {
  const { subject, fromSeq = 1, batch = 1000 } = options;
  if (lastSeq === 0 || fromSeq > lastSeq) return;
  const consumer = await js.consumers.get(stream, {
    ...(fromSeq > 1
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq }
      : { deliver_policy: DeliverPolicy.All }),
    // One subject as a string (filter_subject): nats-server 2.10 finds its records by its index of subjects; as a
    // list of one (filter_subjects) it reads its way there (a secret of a 3,000,000-record stream: 3 ms against
    // 0.7–1 s).
    ...(subject === undefined ? {} : { filter_subjects: subject }),
  });
  for (;;) {
    let delivered = 0;
    for await (const m of await consumer.fetch({ max_messages: batch, expires: 2000 })) {
      delivered++;
      const held = onMessage(m);
      if (held !== undefined) await held;
      if (m.seq >= lastSeq) return;
    }
    if (delivered === 0) return;
  }
};

/**
 * The messages of `stream` on `subject` (a wildcard too) as it holds them now, oldest first, one direct get each:
 * for the few on one subject (a key's, a bucket's), where an ordered consumer costs more to set up than it saves.
 */
export async function* messagesOn(jsm: JetStreamManager, stream: string, subject: string): AsyncGenerator<StoredMsg> {
  for (let seq = 1; ;) {
    const message = await jsm.direct.getMessage(stream, { seq, next_by_subj: subject });
    if (message === null) return;
    yield message;
    seq = message.seq + 1;
  }
}

/**
 * Erases a message of `stream`: nats-server overwrites its bytes, where a deletion would only hide them. One erased
 * already (by another server, or a retry) is gone: nothing to do.
 */
export const eraseMessage = async (jsm: JetStreamManager, stream: string, seq: number): Promise<void> => {
  try {
    await jsm.streams.deleteMessage(stream, seq, true);
  } catch (e) {
    if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.NoMessageFound) return;
    throw e;
  }
};

export type Follower = { stop(): Promise<void> };

/**
 * Follows a stream with an ordered consumer, handing each message to `onMessage` in order, until stopped. An
 * ordered consumer stalls for a while after a nats-server restart, and may stop delivering for good when the
 * connection moves to another server of a cluster (its consumer was on the server that went). So when it is
 * recreated, misses its heartbeats, or the connection reconnects, the follower starts a fresh one, from where
 * `startAt` says (asked again each time); a failure is told to `onFailure` and the follower starts again
 * shortly after.
 */
export const followStream = (
  nc: NatsConnection,
  js: JetStreamClient,
  stream: string,
  startAt: () => Partial<OrderedConsumerOptions>,
  onMessage: (m: JsMsg) => void,
  onFailure: (e: unknown) => void,
): Follower => {
  let stopped = false;
  let current: { close(): Promise<void | Error> } | undefined;
  const run = async (): Promise<void> => {
    while (!stopped) {
      try {
        const consumer = await js.consumers.get(stream, startAt());
        const messages = await consumer.consume({ max_messages: 1000, expires: 5000 });
        current = messages;
        // stop() may have come while the consumer was being made, and found nothing to close. The close
        // completes only while something iterates, so the loop below runs and ends at once.
        if (stopped) void messages.close();
        void (async () => {
          for await (const status of messages.status())
            if (status.type === "ordered_consumer_recreated" || status.type === "heartbeats_missed")
              await messages.close();
        })();
        for await (const m of messages) onMessage(m);
      } catch (e) {
        if (stopped) return;
        onFailure(e);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  const done = run();
  void (async () => {
    for await (const status of nc.status()) {
      if (stopped) return;
      if (status.type === "reconnect") await current?.close();
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await current?.close();
      await done;
    },
  };
};
