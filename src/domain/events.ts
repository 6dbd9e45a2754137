import * as t from "io-ts";
import { SealedValue, SecretName, StagingLabel, Tag, VersionId } from "./types.js";

// Every event carries its schema version; an old event is upcast when read, never rewritten.
const meta = t.readonly(t.type({ schemaVersion: t.literal(1), at: t.number }));

export const SecretCreated = t.readonly(
  t.type({
    type: t.literal("SecretCreated"),
    data: t.readonly(
      t.intersection([
        t.type({ name: SecretName, arn: t.string }),
        t.partial({ description: t.string, kmsKeyId: t.string, tags: t.readonlyArray(Tag) }),
      ]),
    ),
    meta,
  }),
);
export type SecretCreated = t.TypeOf<typeof SecretCreated>;

export const VersionCreated = t.readonly(
  t.type({
    type: t.literal("VersionCreated"),
    data: t.readonly(t.type({ versionId: VersionId, value: SealedValue })),
    meta,
  }),
);
export type VersionCreated = t.TypeOf<typeof VersionCreated>;

/** A staging label leaves `from` (absent: it was on no version) for `to` (absent: it is detached). */
export const LabelMoved = t.readonly(
  t.type({
    type: t.literal("LabelMoved"),
    data: t.readonly(t.intersection([t.type({ label: StagingLabel }), t.partial({ from: VersionId, to: VersionId })])),
    meta,
  }),
);
export type LabelMoved = t.TypeOf<typeof LabelMoved>;

export const SecretEvent = t.union([SecretCreated, VersionCreated, LabelMoved]);
export type SecretEvent = t.TypeOf<typeof SecretEvent>;

/** What one JetStream message holds: the ordered events of one command, which land together or not at all. */
export const CommandRecord = t.readonly(
  t.type({
    schemaVersion: t.literal(1),
    command: t.string,
    requestId: t.string,
    events: t.readonlyArray(SecretEvent),
  }),
);
export type CommandRecord = t.TypeOf<typeof CommandRecord>;

export const eventMeta = (at: number) => ({ schemaVersion: 1 as const, at });

export const secretCreated = (data: SecretCreated["data"], at: number): SecretCreated => ({
  type: "SecretCreated",
  data,
  meta: eventMeta(at),
});
export const versionCreated = (versionId: VersionId, value: SealedValue, at: number): VersionCreated => ({
  type: "VersionCreated",
  data: { versionId, value },
  meta: eventMeta(at),
});
export const labelMoved = (
  label: StagingLabel,
  from: VersionId | undefined,
  to: VersionId | undefined,
  at: number,
): LabelMoved => ({
  type: "LabelMoved",
  data: { label, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) },
  meta: eventMeta(at),
});
