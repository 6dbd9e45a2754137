import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { CommandRecord, CURRENT_EVENT_SCHEMA, SecretEvent } from "./events.js";

// Reading the log across schema versions. Every record and every event carries its schema version; an event
// written by an older version of the service is brought to the current shape here, as it is read, one version
// at a time. The log itself is never rewritten.

/** Brings one event's `data` from schema version n to n + 1. */
export type Upcaster = (data: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/** Per event type, per schema version n: the step from n to n + 1. */
export type Upcasters = Readonly<Record<string, Readonly<Record<number, Upcaster>>>>;

/** The record's schema version (each event type's is CURRENT_EVENT_SCHEMA, beside the codecs). */
export const CURRENT_RECORD_SCHEMA = 1;

/** A value written before schema 2 has its data key in the key store, by version: it says so now. */
const valueKeyInKeyStore: Upcaster = (data) => {
  const value = data["value"];
  return typeof value === "object" && value !== null
    ? { ...data, value: { ...value, key: { in: "key-store" } } }
    : data;
};

/**
 * When an event's shape changes, its codec moves to the new version, CURRENT_EVENT_SCHEMA says so, and the step
 * from the old one goes here, for good: the old events stay in the log.
 */
export const UPCASTERS: Upcasters = {
  VersionCreated: { 1: valueKeyInKeyStore },
  VersionFilled: { 1: valueKeyInKeyStore },
};

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u);

const upcastEvent = (
  event: unknown,
  upcasters: Upcasters,
  current: Readonly<Record<string, number>>,
): E.Either<string, unknown> => {
  if (!isObject(event) || typeof event["type"] !== "string" || !isObject(event["meta"]) || !isObject(event["data"]))
    return E.left("an event without type, data and meta");
  const type = event["type"];
  const target = current[type] ?? 1;
  let version = event["meta"]["schemaVersion"];
  if (typeof version !== "number" || !Number.isInteger(version)) return E.left(`${type} without a schema version`);
  if (version === target) return E.right(event);
  if (version > target)
    return E.left(`${type} of schema ${version} was written by a newer secret-ledger (this one reads up to ${target})`);
  let data: Record<string, unknown> = event["data"];
  while (version < target) {
    const step = upcasters[type]?.[version];
    if (step === undefined) return E.left(`no upcaster for ${type} from schema ${version}`);
    data = step(data);
    version += 1;
  }
  return E.right({ ...event, data, meta: { ...event["meta"], schemaVersion: version } });
};

/** Each event type's codec, by the event's `type`. */
const codecOf: ReadonlyMap<unknown, t.Mixed> = new Map(
  SecretEvent.types.map((codec): [unknown, t.Mixed] => [codec.type.props.type.value, codec]),
);

/**
 * Whether `record` is a CommandRecord of the current schema. No codec of a record converts what it reads (each
 * checks, none maps: test/unit/upcast.test.ts walks them), so what the codec's `is` accepts, its `decode` would
 * give back as it is. Checked that way, each event by its own type's codec rather than by the union trying its
 * members in turn: about a third of `decode`'s time, which built every object anew, at every replay.
 */
const isCommandRecord = (record: Record<string, unknown> & { readonly events: unknown[] }): boolean =>
  CommandRecord.is({ ...record, events: [] }) &&
  record.events.every((event) => isObject(event) && codecOf.get(event["type"])?.is(event) === true);

/** A record as read from the log: its events brought to the current schema, then checked by the codecs. */
export const readRecord = (
  raw: unknown,
  options: { readonly upcasters?: Upcasters; readonly current?: Readonly<Record<string, number>> } = {},
): E.Either<string, CommandRecord> => {
  if (!isObject(raw) || !Array.isArray(raw["events"])) return E.left("not a command record");
  const schema = raw["schemaVersion"];
  if (typeof schema === "number" && schema > CURRENT_RECORD_SCHEMA)
    return E.left(`a record of schema ${schema} was written by a newer secret-ledger`);
  const events: unknown[] = [];
  let upcast = false;
  for (const event of raw["events"] as unknown[]) {
    const read = upcastEvent(event, options.upcasters ?? UPCASTERS, options.current ?? CURRENT_EVENT_SCHEMA);
    if (E.isLeft(read)) return read;
    events.push(read.right);
    upcast ||= read.right !== event;
  }
  const record = upcast ? { ...raw, events } : (raw as typeof raw & { readonly events: unknown[] });
  return isCommandRecord(record)
    ? E.right(record as unknown as CommandRecord)
    : E.left("not a CommandRecord of a known schema");
};
