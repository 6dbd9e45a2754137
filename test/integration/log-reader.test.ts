import { suite } from "uvu";
import * as assert from "uvu/assert";
import { jetstream } from "@nats-io/jetstream";
import { restoreProjection, startProjection } from "../../src/app/projection.js";
import { EventLog, type LoggedRecord } from "../../src/store/event-log.js";
import { secretSubject } from "../../src/store/subjects.js";
import { commandRecord, created, versionAdded } from "../support/decider.js";
import { join } from "node:path";
import { freshRegion, tempDir, within } from "../support/nats.js";
import { onFreshLog, type OnFreshLog } from "../support/hooks.js";

// A replay, or a catch-up from a checkpoint long ago, reads the log on a thread of its own (log-reader.ts).

const Reader = suite<OnFreshLog>("the log read on a thread of its own");

onFreshLog(Reader);

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
        i === 2345 ? "not json" : JSON.stringify(commandRecord(i < 70 ? [created(name)] : [versionAdded(`${i}`)]));
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

Reader(
  "a projection far behind reads to the log's end on that thread, then follows: each record folded once",
  async ({ nc }) => {
    const region = freshRegion();
    const log = await EventLog.open(nc, region);
    const js = jetstream(nc);
    // 2,000 records: 100 secrets, each created, then 19 versions.
    const acks = [];
    for (let i = 0; i < 2000; i++) {
      const name = `far/${i % 100}`;
      acks.push(
        js.publish(
          secretSubject(region, name),
          JSON.stringify(commandRecord(i < 100 ? [created(name)] : [versionAdded(`${i}`)])),
        ),
      );
    }
    await Promise.all(acks);
    const lines: Record<string, unknown>[] = [];
    const logger = (line: Record<string, unknown>): number => lines.push(line);
    const restored = await restoreProjection(log, join(tempDir("reader"), "checkpoint"), { logger, what: "the log" });
    const applied: number[] = [];
    const projection = await startProjection(restored, {
      logger,
      onApplied: (r) => applied.push(r.seq),
      shredder: { settled: true, whenIdle: () => Promise.resolve() },
      readApartFrom: 1,
    });
    // Stopped whatever is asserted: a follower left running keeps the test run alive.
    try {
      assert.equal(
        lines.filter((l) => l["msg"] === "log read on a thread of its own").map((l) => l["records"]),
        [2000],
      );
      assert.equal(
        lines.filter((l) => l["level"] !== "info"),
        [],
      );
      // Then the follower, from the next record on.
      let last = 0;
      for (let i = 0; i < 5; i++) {
        const appended = await log.append(`later/${i}`, 0, commandRecord([created(`later/${i}`)]));
        if (appended._tag !== "Appended") throw new Error("not appended");
        last = appended.seq;
      }
      await within(10_000, "the follower's catch-up", projection.catalog.whenCaughtUp(last));
      const every = Array.from({ length: 2005 }, (_, i) => last - 2004 + i);
      assert.equal(applied, every, "every record once, in order");
      assert.is(projection.catalog.entry("later/4").state.status, "active");
    } finally {
      await projection.stop();
    }
  },
);

Reader.run();
