import { suite } from "uvu";
import * as assert from "uvu/assert";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import type { CommandRecord } from "../../src/domain/events.js";
import { EventLog, type LoggedRecord } from "../../src/store/event-log.js";
import { secretSubject } from "../../src/store/subjects.js";
import { created, versionAdded } from "../support/decider.js";
import { freshRegion, sharedNatsUrl } from "../support/nats.js";

// A replay, or a catch-up from a checkpoint long ago, reads the log on a thread of its own (log-reader.ts).

const record = (events: CommandRecord["events"]): CommandRecord => ({
  schemaVersion: 1,
  command: "Test",
  requestId: "r",
  events,
});

const Reader = suite<{ nc: NatsConnection; log: EventLog; region: string }>("the log read on a thread of its own");

Reader.before(async (ctx) => {
  ctx.nc = await connect({ servers: sharedNatsUrl() });
  ctx.region = freshRegion();
  ctx.log = await EventLog.open(ctx.nc, ctx.region);
});
Reader.after(async (ctx) => {
  await ctx.nc.drain();
});

Reader(
  "a long read goes to a thread of its own: the same records, in order; should it fail, this one reads",
  async ({ nc, log, region }) => {
    const js = jetstream(nc);
    const fromSeq = (await log.lastSeq()) + 1;
    // 5,000 records (five batches of the reading thread, more than it may send ahead), one of them not JSON.
    const acks = [];
    for (let i = 0; i < 5000; i++) {
      const name = `long/${i % 70}`;
      const payload =
        i === 2345 ? "not json" : JSON.stringify(record(i < 70 ? [created(name)] : [versionAdded(`${i}`)]));
      acks.push(js.publish(secretSubject(region, name), payload));
    }
    await Promise.all(acks);
    const read = async (options: Parameters<EventLog["readOn"]>[3]) => {
      const records: LoggedRecord[] = [];
      const unreadable: number[] = [];
      const failures: string[] = [];
      const { lastSeq, readApart } = await log.readOn(
        fromSeq,
        (r) => records.push(r),
        (seq) => unreadable.push(seq),
        { ...options, onApartFailed: (why) => failures.push(why) },
      );
      return { records, unreadable, failures, lastSeq, readApart };
    };
    const here = await read({ apartFrom: Number.POSITIVE_INFINITY });
    assert.is(here.records.length, 4999);
    assert.equal(here.unreadable, [fromSeq + 2345]);
    assert.is(here.readApart, 0);
    const apart = await read({ apartFrom: 1 });
    assert.equal(apart.failures, []);
    assert.is(apart.readApart, 5000, "every record read on the other thread");
    assert.equal(apart.records, here.records);
    assert.equal(apart.unreadable, here.unreadable);
    // A reading thread that cannot reach NATS: told, and every record read here instead, none twice.
    const unreachable = await read({ apartFrom: 1, servers: ["127.0.0.1:1"] });
    assert.is(unreachable.failures.length, 1);
    assert.is(unreachable.readApart, 0);
    assert.equal(unreachable.records, here.records);
    assert.equal(unreachable.unreadable, here.unreadable);
  },
);

Reader.run();
