import * as E from "fp-ts/lib/Either.js";
import { CommandRecord, CURRENT_EVENT_SCHEMA } from "./events.js";

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
  for (const event of raw["events"] as unknown[]) {
    const upcast = upcastEvent(event, options.upcasters ?? UPCASTERS, options.current ?? CURRENT_EVENT_SCHEMA);
    if (E.isLeft(upcast)) return upcast;
    events.push(upcast.right);
  }
  return E.mapLeft(() => "not a CommandRecord of a known schema")(CommandRecord.decode({ ...raw, events }));
};
