import { test } from "uvu";
import * as assert from "uvu/assert";
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { CommandRecord } from "../../src/domain/events.js";
import { readRecord, UPCASTERS, type Upcasters } from "../../src/domain/upcast.js";
import { created, moved, NOW, sealed, v, versionAdded } from "../support/decider.js";

// Events of schema 1 (before a value said where its data key is) as the log holds them, read by this version.

const record = (events: unknown[]) => ({ schemaVersion: 1, command: "Fabricated", requestId: "r", events });
const valueV1 = { kind: "string", ciphertext: "ct", fingerprint: "fp" };
const versionCreatedV1 = {
  type: "VersionCreated",
  data: { versionId: v("1"), value: valueV1 },
  meta: { schemaVersion: 1, at: NOW },
};

test("a VersionCreated or VersionFilled of schema 1 is read as schema 2: its data key is in the key store, by version", () => {
  const filledV1 = {
    type: "VersionFilled",
    data: { versionId: v("2"), value: valueV1 },
    meta: { schemaVersion: 1, at: NOW },
  };
  const emptyV1 = { type: "VersionCreated", data: { versionId: v("3") }, meta: { schemaVersion: 1, at: NOW } };
  const read = readRecord(record([versionCreatedV1, filledV1, emptyV1]));
  const keyStore = { ...valueV1, key: { in: "key-store" } };
  assert.equal(
    read,
    E.right({
      schemaVersion: 1,
      command: "Fabricated",
      requestId: "r",
      events: [
        { type: "VersionCreated", data: { versionId: v("1"), value: keyStore }, meta: { schemaVersion: 2, at: NOW } },
        { type: "VersionFilled", data: { versionId: v("2"), value: keyStore }, meta: { schemaVersion: 2, at: NOW } },
        { type: "VersionCreated", data: { versionId: v("3") }, meta: { schemaVersion: 2, at: NOW } },
      ],
    }),
  );
});

test("an older schema is upcast step by step; events already at the current schema pass through untouched", () => {
  // A fabricated schema 0 that kept the id under `id` and the value under `sealed`: 0 → 1 (fabricated) → 2 (real).
  const upcasters: Upcasters = {
    VersionCreated: { ...UPCASTERS["VersionCreated"], 0: (d) => ({ versionId: d["id"], value: d["sealed"] }) },
  };
  const v0 = { type: "VersionCreated", data: { id: v("1"), sealed: valueV1 }, meta: { schemaVersion: 0, at: NOW } };
  const current = {
    type: "LabelMoved",
    data: { label: "AWSCURRENT", to: v("1") },
    meta: { schemaVersion: 1, at: NOW },
  };
  const read = readRecord(record([v0, current]), { upcasters });
  assert.equal(E.isRight(read) ? read.right.events : undefined, [
    {
      type: "VersionCreated",
      data: { versionId: v("1"), value: { ...valueV1, key: { in: "key-store" } } },
      meta: { schemaVersion: 2, at: NOW },
    },
    current,
  ]);
});

test("an older event without a step, or one from a newer version of the service, is not readable, and says why", () => {
  const v0 = { ...versionCreatedV1, meta: { schemaVersion: 0, at: NOW } };
  assert.equal(readRecord(record([v0])), E.left("no upcaster for VersionCreated from schema 0"));
  const future = { ...versionCreatedV1, meta: { schemaVersion: 3, at: NOW } };
  assert.equal(
    readRecord(record([future])),
    E.left("VersionCreated of schema 3 was written by a newer secret-ledger (this one reads up to 2)"),
  );
  assert.equal(
    readRecord({ ...record([]), schemaVersion: 2 }),
    E.left("a record of schema 2 was written by a newer secret-ledger"),
  );
});

// readRecord checks a record with the codecs' `is`, each event by its type's codec: sound only while no codec
// converts (a custom decode, exact/strict stripping fields, a fallback), for then `decode` would answer other than
// the record read.
const CHECKS_ONLY = [
  "InterfaceType",
  "PartialType",
  "IntersectionType",
  "UnionType",
  "ReadonlyType",
  "ReadonlyArrayType",
  "RefinementType",
  "LiteralType",
  "KeyofType",
  "StringType",
  "NumberType",
  "BooleanType",
];
type Walked = t.Mixed & {
  readonly _tag?: string;
  readonly props?: Record<string, t.Mixed>;
  readonly types?: t.Mixed[];
  readonly type?: t.Mixed;
};
const converting = (codec: Walked): string[] => {
  if (codec._tag === undefined || !CHECKS_ONLY.includes(codec._tag)) return [codec.name];
  const parts = [...Object.values(codec.props ?? {}), ...(codec.types ?? []), ...(codec.type ? [codec.type] : [])];
  return parts.flatMap((part) => converting(part as Walked));
};

test("no codec of a record converts what it reads: each only checks, so `is` and `decode` agree", () => {
  assert.equal(converting(CommandRecord), []);
});

test("a record is checked by each event's own codec: every event type read, a bad field or type refused", () => {
  const events = [created(), versionAdded("1"), moved("AWSCURRENT", undefined, "1"), versionAdded("2", "f2")];
  const good = JSON.parse(JSON.stringify(record(events))) as unknown;
  assert.equal(readRecord(good), CommandRecord.decode(good));
  assert.ok(E.isRight(readRecord(good)));
  const refused = (bad: unknown): void =>
    assert.equal(readRecord(bad), E.left("not a CommandRecord of a known schema"));
  refused(record([...events, { ...moved("AWSCURRENT", "1", "2"), data: { label: 7 } }]));
  refused(record([{ type: "SecretRenamed", data: {}, meta: { schemaVersion: 1, at: NOW } }]));
  refused(record([{ ...versionAdded("3"), data: { versionId: v("3"), value: { ...sealed("f"), kind: "text" } } }]));
  refused({ ...record(events), requestId: 5 });
  refused({ ...record(events), principal: null });
});

test.run();
