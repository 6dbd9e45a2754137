import * as E from "fp-ts/lib/Either.js";
import { SecretCatalog } from "../../projections/secret-catalog.js";
import type { KeyShredder } from "../application/key-shredder.js";
import type { CommandRecord } from "../domain/events.js";
import type { SecretState } from "../domain/state.js";
import { readCheckpoint, writeCheckpoint, type LogIdentity } from "../store/checkpoint-file.js";
import { isUnreachable } from "../store/nats-link.js";
import type { EventLog, LoggedRecord } from "../store/event-log.js";
import { errorText, type Logger } from "./logger.js";
import type { Started } from "./parts.js";

// A projection: a catalog folded from a log (this region's, or a followed region's mirror), restored from its
// checkpoint when there is a good one, kept up to date by a consumer, and checkpointed on a timer and at stop.
// The same two functions serve this region and every region it follows.

export type StartedFrom = { readonly checkpoint: number } | { readonly replay: string };

/** A catalog as restored from its checkpoint (or empty, to be replayed from the log's first record). */
export type RestoredProjection = {
  readonly log: EventLog;
  /** Which log it is, as it was when the service started: what a checkpoint names when NATS is out of reach. */
  readonly identity: LogIdentity;
  readonly file: string;
  readonly catalog: SecretCatalog;
  readonly startedFrom: StartedFrom;
};

export type Projection = Started<
  RestoredProjection & {
    /** Writes the checkpoint if the catalog moved and every deletion read is shredded; true if it wrote. */
    checkpoint(): Promise<boolean>;
    /**
     * A record this service appended at `seq`, folded at once if it is the next one (its writer need not wait for
     * it to come round the consumer); else the consumer brings it in order.
     */
    readonly appended: (seq: number, secretName: string, record: CommandRecord) => void;
  }
>;

/**
 * The catalog as its checkpoint holds it, or empty (to be replayed from the log's first record); the log says
 * which, as "<what> restored from its checkpoint" or "<what> replayed from the start".
 */
export const restoreProjection = async (
  log: EventLog,
  file: string,
  report: { readonly logger: Logger; readonly what: string; readonly about?: Record<string, string> },
): Promise<RestoredProjection> => {
  const identity = await log.identity();
  const restored = readCheckpoint(file, identity);
  const projection: RestoredProjection = E.isRight(restored)
    ? { log, identity, file, catalog: restored.right, startedFrom: { checkpoint: restored.right.checkpoint } }
    : { log, identity, file, catalog: new SecretCatalog(), startedFrom: { replay: restored.left } };
  report.logger({
    level: "info",
    msg: `${report.what} ${"checkpoint" in projection.startedFrom ? "restored from its checkpoint" : "replayed from the start"}`,
    ...report.about,
    ...projection.startedFrom,
  });
  return projection;
};

/**
 * Follows the log from the catalog's position and resolves once the catalog holds every record the log held
 * when it started. `onApplied` sees each record (its sequence, secret and events) after the catalog applied it, with
 * the secret's state before.
 */
export const startProjection = async (
  restored: RestoredProjection,
  deps: {
    readonly logger: Logger;
    /** Extra fields of the projection's log lines (the followed region's name). */
    readonly about?: Record<string, string>;
    readonly onApplied: (record: LoggedRecord, before: SecretState) => void;
    /** The data keys' destruction: a checkpoint must not pass over a deletion or pruning not yet shredded. */
    readonly shredder: Pick<KeyShredder, "settled" | "whenIdle">;
    /** From how many records behind the log a start reads it on a thread of its own (EventLog.readOn's default). */
    readonly readApartFrom?: number;
  },
): Promise<Projection> => {
  const { log, file, catalog, startedFrom } = restored;
  const apply = (logged: LoggedRecord): void => {
    const { seq, secretName, record } = logged;
    if (seq <= catalog.checkpoint) return;
    const before = catalog.entry(secretName).state;
    catalog.apply(seq, secretName, record.events);
    deps.onApplied(logged, before);
  };
  const passOver = (seq: number, why: string): void => {
    deps.logger({ level: "error", msg: "log record passed over", ...deps.about, seq, why });
    catalog.passOver(seq);
  };
  // Up to the log's end first (read on a thread of its own when far behind: a replay, or a checkpoint long ago),
  // then the follower goes on from there.
  const reading = performance.now();
  const { readApart } = await log.readOn(catalog.checkpoint + 1, apply, passOver, {
    ...(deps.readApartFrom === undefined ? {} : { apartFrom: deps.readApartFrom }),
    onApartFailed: (why) =>
      deps.logger({
        level: "warn",
        msg: "reading the log on a thread of its own failed; read here",
        ...deps.about,
        why,
      }),
  });
  if (readApart > 0) {
    const ms = Math.round(performance.now() - reading);
    deps.logger({ level: "info", msg: "log read on a thread of its own", ...deps.about, records: readApart, ms });
  }
  const follower = log.follow(
    catalog.checkpoint + 1,
    apply,
    passOver,
    (nextSeq, why) =>
      deps.logger({ level: "error", msg: "log consumer failed; following again", ...deps.about, nextSeq, why }),
    () => catalog.checkpoint,
  );
  await catalog.whenCaughtUp(await log.lastSeq());
  // What the file holds: nothing after a replay, even if the replay read the whole log.
  let written = "checkpoint" in startedFrom ? startedFrom.checkpoint : 0;
  const writeIfDue = async (): Promise<boolean> => {
    if (catalog.checkpoint === written || !deps.shredder.settled) return false;
    // NATS out of reach (a stop during an outage): the log the catalog was folded from, as it was at the start.
    const identity = await log.identity().catch((e: unknown) => {
      if (isUnreachable(e)) return restored.identity;
      throw e;
    });
    if (!deps.shredder.settled) return false;
    const at = catalog.checkpoint;
    await writeCheckpoint(file, identity, catalog);
    written = at;
    return true;
  };
  // One write at a time: the timer's and the stop's never overlap.
  let writing: Promise<boolean> = Promise.resolve(false);
  const checkpoint = (): Promise<boolean> => {
    writing = writing.then(writeIfDue, writeIfDue);
    return writing;
  };
  return {
    ...restored,
    checkpoint,
    appended: (seq, secretName, record) => {
      if (seq === catalog.checkpoint + 1) apply({ seq, secretName, record });
    },
    stop: async () => {
      await follower.stop();
      await deps.shredder.whenIdle();
      await checkpoint().catch((e: unknown) =>
        deps.logger({ level: "error", msg: "checkpoint not written", ...deps.about, error: errorText(e) }),
      );
    },
  };
};
