import { isRotationEvent, type CommandRecord, type RotationEvent, type SecretEvent } from "../src/domain/events.js";

// A secret's timeline, folded from its records in the log: every event as a fact, in log order, with who made
// it. A name that was deleted and created again has generations, told apart by number and ARN. Pruned and
// deleted versions stay as facts: the log keeps them, even though their values can no longer be read.

export type HistoryEntry = {
  readonly seq: number;
  /** Epoch milliseconds, when the command was decided. */
  readonly at: number;
  /** 1 for the first secret of this name, 2 for the one created after it was deleted, … */
  readonly generation: number;
  readonly arn: string;
  readonly command: string;
  readonly requestId: string;
  /** The caller's ARN; absent for the service's own commands (pruning, completing a deletion). */
  readonly principal?: string;
  readonly event: SecretEvent["type"];
  readonly versionIds: ReadonlyArray<string>;
  readonly label?: { readonly name: string; readonly from?: string; readonly to?: string };
  /** On the event that ends a rotation (or a RotateImmediately=false test): how it ended. */
  readonly rotationEnd?: "succeeded" | "tested" | "failed" | "abandoned" | "cancelled";
  /** What happened, in words. */
  readonly what: string;
};

const day = (millis: number): string => new Date(millis).toISOString().slice(0, 10);
const short = (versionId: string | undefined): string => versionId ?? "(none)";

/** The words for one event, and the versions and label it concerns. */
const describe = (e: SecretEvent): Pick<HistoryEntry, "what" | "versionIds" | "label" | "rotationEnd"> => {
  if (isRotationEvent(e)) return rotationWords(e);
  switch (e.type) {
    case "SecretCreated":
      return {
        what:
          `created ${e.data.arn}${e.data.kmsKeyId === undefined ? "" : ` (KMS key ${e.data.kmsKeyId})`}` +
          (e.data.promotedFrom === undefined ? "" : `, promoted from a replica of ${e.data.promotedFrom}`),
        versionIds: [],
      };
    case "VersionCreated":
      return {
        what: `version ${e.data.versionId} created (${e.data.value?.kind ?? "empty, for its rotation function to fill"})`,
        versionIds: [e.data.versionId],
      };
    case "VersionFilled":
      return { what: `version ${e.data.versionId} filled (${e.data.value.kind})`, versionIds: [e.data.versionId] };
    case "LabelMoved": {
      const { label, from, to } = e.data;
      const what =
        from === undefined
          ? `${label} attached to ${short(to)}`
          : to === undefined
            ? `${label} removed from ${from}`
            : `${label} moved from ${from} to ${to}`;
      return {
        what,
        versionIds: [from, to].filter((v): v is NonNullable<typeof v> => v !== undefined),
        label: { name: label, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) },
      };
    }
    case "SecretUpdated": {
      const changes = [
        ...(e.data.description === undefined ? [] : ["description"]),
        ...(e.data.kmsKeyId === undefined ? [] : [`KMS key → ${e.data.kmsKeyId === "" ? "default" : e.data.kmsKeyId}`]),
      ];
      return { what: `metadata changed: ${changes.join(", ")}`, versionIds: [] };
    }
    case "SecretTagged":
      return { what: `tagged ${e.data.tags.map((t) => t.Key).join(", ")}`, versionIds: [] };
    case "SecretUntagged":
      return { what: `untagged ${e.data.tagKeys.join(", ")}`, versionIds: [] };
    case "DeletionScheduled":
      return { what: `deletion scheduled for ${day(e.data.deletionDate)}`, versionIds: [] };
    case "DeletionCancelled":
      return { what: "restored: deletion cancelled", versionIds: [] };
    case "SecretDeleted":
      return {
        what: `deleted${e.data.forced ? " without recovery" : ""}: ${e.data.versionIds.length} version(s), keys destroyed`,
        versionIds: e.data.versionIds,
      };
    case "SecretAccessed":
      return {
        what: `version ${e.data.versionId} read (first read on ${day(e.data.day)})`,
        versionIds: [e.data.versionId],
      };
    case "ResourcePolicyPut":
      return { what: "resource policy put", versionIds: [] };
    case "ResourcePolicyDeleted":
      return { what: "resource policy deleted", versionIds: [] };
    case "VersionsPruned":
      return { what: `pruned ${e.data.versionIds.length} version(s), keys destroyed`, versionIds: e.data.versionIds };
    case "SecretKeyReplaced":
      return {
        what:
          e.data.keepOlder === true
            ? `the secret's key replaced (epoch ${e.data.keyEpoch}) under its new KMS key`
            : `the secret's key replaced (epoch ${e.data.keyEpoch}); older keys destroyed`,
        versionIds: [],
      };
    case "ReplicaRegionsAdded":
      return {
        what: `replicated to ${e.data.regions
          .map((r) => (r.kmsKeyId === undefined ? r.region : `${r.region} (KMS key ${r.kmsKeyId})`))
          .join(", ")}`,
        versionIds: [],
      };
    case "ReplicaRegionsRemoved":
      return {
        what: `${e.data.promoted === true ? "replica promoted to a standalone secret in" : "replica removed from"} ${e.data.regions.join(", ")}`,
        versionIds: [],
      };
    default: {
      const unknownEvent: never = e;
      return unknownEvent;
    }
  }
};

/** The words for a rotation event. */
const rotationWords = (e: RotationEvent): Pick<HistoryEntry, "what" | "versionIds" | "rotationEnd"> => {
  switch (e.type) {
    case "RotationConfigured": {
      const { lambdaArn, rules } = e.data;
      const schedule =
        rules === undefined
          ? []
          : [
              rules.scheduleExpression ??
                (rules.automaticallyAfterDays === undefined ? "" : `every ${rules.automaticallyAfterDays} day(s)`),
              ...(rules.duration === undefined ? [] : [`window ${rules.duration}`]),
            ].filter((s) => s !== "");
      return {
        what: `rotation enabled${lambdaArn === undefined ? "" : ` with ${lambdaArn}`}${schedule.length === 0 ? "" : `, ${schedule.join(", ")}`}`,
        versionIds: [],
      };
    }
    case "RotationStarted": {
      const { versionId, attempt, testOnly, scheduled } = e.data;
      const kind = testOnly === true ? "rotation test" : scheduled === true ? "scheduled rotation" : "rotation";
      return {
        what: `${kind} ${attempt > 1 ? `retried (attempt ${attempt})` : "started"}, pending version ${versionId}`,
        versionIds: [versionId],
      };
    }
    case "RotationFailed": {
      const { versionId, attempt, step, reason, retryAt } = e.data;
      return {
        what: `rotation attempt ${attempt} failed at ${step}: ${reason}; ${retryAt === undefined ? "gave up, AWSPENDING left in place" : `retry from ${new Date(retryAt).toISOString()}`}`,
        versionIds: [versionId],
        ...(retryAt === undefined ? { rotationEnd: "failed" as const } : {}),
      };
    }
    case "RotationSucceeded":
      return {
        what:
          e.data.testOnly === true ? "rotation test passed" : `rotation succeeded: ${e.data.versionId} is AWSCURRENT`,
        versionIds: [e.data.versionId],
        rotationEnd: e.data.testOnly === true ? "tested" : "succeeded",
      };
    case "RotationAbandoned":
      return {
        what: "rotation abandoned: AWSCURRENT was moved by another write",
        versionIds: [e.data.versionId],
        rotationEnd: "abandoned",
      };
    case "RotationCancelled":
      return {
        what: "rotation cancelled: rotation disabled",
        versionIds: e.data.versionId === undefined ? [] : [e.data.versionId],
        rotationEnd: "cancelled",
      };
    default: {
      const unknownEvent: never = e;
      return unknownEvent;
    }
  }
};

export const historyOf = (
  records: ReadonlyArray<{ readonly seq: number; readonly record: CommandRecord }>,
): ReadonlyArray<HistoryEntry> => {
  let generation = 0;
  let arn = "";
  return records.flatMap(({ seq, record }) =>
    record.events.map((e): HistoryEntry => {
      if (e.type === "SecretCreated" && e.data.arn !== arn) {
        generation += 1;
        arn = e.data.arn;
      }
      return {
        seq,
        at: e.meta.at,
        generation,
        arn,
        command: record.command,
        requestId: record.requestId,
        ...(record.principal === undefined ? {} : { principal: record.principal }),
        event: e.type,
        ...describe(e),
      };
    }),
  );
};
