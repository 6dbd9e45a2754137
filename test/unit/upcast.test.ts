import { test } from "uvu";
import * as assert from "uvu/assert";
import * as E from "fp-ts/lib/Either.js";
import { readRecord, type Upcasters } from "../../src/domain/upcast.js";
import { NOW, sealed, v } from "../support/decider.js";

// No event has an older schema yet, so these tests fabricate one: a "version 0" VersionCreated that kept the
// id under `id` and the sealed value under `sealed`.

const upcasters: Upcasters = { VersionCreated: { 0: (d) => ({ versionId: d["id"], value: d["sealed"] }) } };

const record = (events: unknown[]) => ({ schemaVersion: 1, command: "Fabricated", requestId: "r", events });
const versionCreatedV0 = {
  type: "VersionCreated",
  data: { id: v("1"), sealed: sealed("f") },
  meta: { schemaVersion: 0, at: NOW },
};

test("an event of an older schema is upcast, step by step, to the current one as it is read", () => {
  const read = readRecord(record([versionCreatedV0]), { upcasters });
  assert.equal(
    read,
    E.right({
      schemaVersion: 1,
      command: "Fabricated",
      requestId: "r",
      events: [
        {
          type: "VersionCreated",
          data: { versionId: v("1"), value: sealed("f") },
          meta: { schemaVersion: 1, at: NOW },
        },
      ],
    }),
  );
});

test("events already at the current schema pass through untouched", () => {
  const current = {
    type: "LabelMoved",
    data: { label: "AWSCURRENT", to: v("1") },
    meta: { schemaVersion: 1, at: NOW },
  };
  const passed = readRecord(record([current]), { upcasters });
  assert.equal(E.isRight(passed) ? (passed.right.events[0] as unknown) : undefined, current);
});

test("an older event without a step, or one from a newer version of the service, is not readable, and says why", () => {
  assert.equal(readRecord(record([versionCreatedV0])), E.left("no upcaster for VersionCreated from schema 0"));
  const future = { ...versionCreatedV0, meta: { schemaVersion: 3, at: NOW } };
  assert.equal(
    readRecord(record([future]), { upcasters }),
    E.left("VersionCreated of schema 3 was written by a newer secret-ledger (this one reads up to 1)"),
  );
  assert.equal(
    readRecord({ ...record([]), schemaVersion: 2 }),
    E.left("a record of schema 2 was written by a newer secret-ledger"),
  );
});

test.run();
