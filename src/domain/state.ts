import {
  isRotationEvent,
  type LabelMoved,
  type ReplicaRegion,
  type RotationEvent,
  type SecretEvent,
} from "./events.js";
import type {
  Millis,
  RotationRules,
  SealedValue,
  SecretName,
  StagingLabel,
  Tag,
  ValueRef,
  VersionId,
} from "./types.js";
import { SecretLabels } from "./secret-labels.js";
import { keyPlaceOf, SecretVersions } from "./versions.js";

export type { Version } from "./versions.js";

export type ActiveSecret = {
  readonly status: "active";
  readonly name: SecretName;
  readonly arn: string;
  readonly createdAt: Millis;
  readonly lastChangedAt: Millis;
  readonly description?: string;
  readonly kmsKeyId?: string;
  /** Absent until the secret is first tagged; empty once every tag is removed (as DescribeSecret shows it). */
  readonly tags?: ReadonlyArray<Tag>;
  /** The resource policy, as the caller wrote it. */
  readonly resourcePolicy?: string;
  /** Midnight (UTC) of the last day any version was read. */
  readonly lastAccessedDay?: Millis;
  /** Set while the secret is scheduled for deletion: when DeleteSecret was called, and when it completes. */
  readonly deletion?: { readonly deletedAt: Millis; readonly deletionDate: Millis };
  /** The regions the secret is replicated to, in the order they were added; absent if it never was. */
  readonly replicas?: ReadonlyArray<Replica>;
  /** The primary secret (ARN) this one was a replica of, before StopReplicationToReplica made it standalone. */
  readonly promotedFrom?: string;
  /** Absent until RotateSecret first configures rotation. */
  readonly rotation?: Rotation;
  /**
   * The epoch of the secret's key, which wraps the data keys of its versions written since event schema 2;
   * absent until the first such version.
   */
  readonly keyEpoch?: number;
  /** Every version that exists, labelled or deprecated, in creation order. */
  readonly versions: SecretVersions;
  /**
   * Which version each staging label is on; a label is on at most one version. AWS's three are carried by the
   * versions' records, so `labels.versions` is `versions`: both are set together, through `versioned`.
   */
  readonly labels: SecretLabels;
};

/** A secret's rotation: its configuration, when it last completed, and the rotation under way, if any. */
export type Rotation = {
  /** RotationEnabled: true from RotateSecret, false after CancelRotateSecret (the rest stays visible). */
  readonly enabled: boolean;
  readonly lambdaArn?: string;
  readonly rules?: RotationRules;
  /** When RotateSecret last stored the configuration. */
  readonly configuredAt: Millis;
  /** LastRotatedDate: when a rotation last completed. */
  readonly lastRotatedAt?: Millis;
  readonly inFlight?: RotationInFlight;
};

/** The rotation under way: its version (the token), its attempt, and after a failed attempt when to retry. */
export type RotationInFlight = {
  readonly versionId: VersionId;
  readonly attempt: number;
  /** When this attempt began. */
  readonly attemptAt: Millis;
  /** RotateImmediately=false: only testSecret runs, against a copy of the current value. */
  readonly testOnly: boolean;
  /** Set once this attempt failed: the next may begin from then. */
  readonly retryAt?: Millis;
};

/** One region a secret is replicated to, as the primary knows it; `addedAt` tells one addition from another. */
export type Replica = ReplicaRegion & { readonly addedAt: Millis };

export type SecretState = { readonly status: "absent" } | ActiveSecret;

export const initialState: SecretState = { status: "absent" };

/** What the projection keeps of a value of the log record `seq` (none: not yet appended). */
export const valueRef = (value: SealedValue, seq: number | undefined): ValueRef => ({
  kind: value.kind,
  fingerprint: value.fingerprint,
  key: keyPlaceOf(value.key),
  ...(seq === undefined ? {} : { seq }),
});

/**
 * Folds one event into the state; `seq`: the log record the event is in (none before it is appended), which is
 * where the versions' values stay.
 */
// eslint-disable-next-line complexity -- evolve: one case per event type (an exhaustive switch), each copying optional fields.
export const evolve = (state: SecretState, event: SecretEvent, seq?: number): SecretState => {
  if (isRotationEvent(event)) return state.status !== "active" ? state : { ...state, ...evolveRotation(state, event) };
  switch (event.type) {
    case "SecretCreated": {
      const { name, arn, description, kmsKeyId, tags, promotedFrom } = event.data;
      return {
        status: "active",
        name,
        arn,
        createdAt: event.meta.at,
        lastChangedAt: event.meta.at,
        ...(description === undefined ? {} : { description }),
        ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
        ...(tags === undefined ? {} : { tags }),
        ...(promotedFrom === undefined ? {} : { promotedFrom }),
        versions: SecretVersions.none,
        labels: SecretLabels.none,
      };
    }
    case "VersionCreated": {
      if (state.status !== "active") return state;
      const { versionId, value, createdAt } = event.data;
      const versions = state.versions.with({
        versionId,
        createdAt: createdAt ?? event.meta.at,
        ...(value === undefined ? {} : { value: valueRef(value, seq) }),
      });
      return {
        ...state,
        ...keyEpochOf(state, value),
        ...versioned(state.labels.over(versions)),
        lastChangedAt: event.meta.at,
      };
    }
    case "LabelMoved":
      return moveLabels(state, [event]);
    case "SecretUpdated": {
      if (state.status !== "active") return state;
      const { description, kmsKeyId } = event.data;
      return {
        ...state,
        ...(description === undefined ? {} : { description }),
        ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
        lastChangedAt: event.meta.at,
      };
    }
    case "SecretTagged": {
      if (state.status !== "active") return state;
      const added = new Map(event.data.tags.map((tag) => [tag.Key, tag]));
      const kept = (state.tags ?? []).filter((tag) => !added.has(tag.Key));
      return { ...state, tags: [...kept, ...added.values()], lastChangedAt: event.meta.at };
    }
    case "SecretUntagged": {
      if (state.status !== "active") return state;
      const removed = new Set(event.data.tagKeys);
      return {
        ...state,
        tags: (state.tags ?? []).filter((tag) => !removed.has(tag.Key)),
        lastChangedAt: event.meta.at,
      };
    }
    case "DeletionScheduled": {
      if (state.status !== "active") return state;
      return { ...state, deletion: { deletedAt: event.meta.at, deletionDate: event.data.deletionDate } };
    }
    case "DeletionCancelled": {
      if (state.status !== "active") return state;
      const { deletion: _cancelled, ...restored } = state;
      return { ...restored, lastChangedAt: event.meta.at };
    }
    case "SecretDeleted":
      return initialState;
    case "ResourcePolicyPut":
      return state.status !== "active"
        ? state
        : { ...state, resourcePolicy: event.data.policy, lastChangedAt: event.meta.at };
    case "ResourcePolicyDeleted": {
      if (state.status !== "active") return state;
      const { resourcePolicy: _removed, ...rest } = state;
      return { ...rest, lastChangedAt: event.meta.at };
    }
    case "VersionsPruned": {
      if (state.status !== "active") return state;
      return { ...state, ...versioned(state.labels.without(new Set(event.data.versionIds))) };
    }
    case "SecretKeyReplaced":
      return state.status === "active" ? { ...state, keyEpoch: event.data.keyEpoch } : state;
    case "ReplicaRegionsAdded": {
      if (state.status !== "active") return state;
      const added = new Map(event.data.regions.map((r) => [r.region, { ...r, addedAt: event.meta.at }]));
      const kept = (state.replicas ?? []).filter((r) => !added.has(r.region));
      return { ...state, replicas: [...kept, ...added.values()], lastChangedAt: event.meta.at };
    }
    case "ReplicaRegionsRemoved": {
      if (state.status !== "active") return state;
      const removed = new Set(event.data.regions);
      return {
        ...state,
        replicas: (state.replicas ?? []).filter((r) => !removed.has(r.region)),
        lastChangedAt: event.meta.at,
      };
    }
    case "VersionFilled": {
      if (state.status !== "active") return state;
      const versions = state.versions.changed(event.data.versionId, { value: valueRef(event.data.value, seq) });
      if (versions === undefined) return state;
      const changed = versioned(state.labels.over(versions));
      return { ...state, ...keyEpochOf(state, event.data.value), ...changed, lastChangedAt: event.meta.at };
    }
    case "SecretAccessed": {
      if (state.status !== "active") return state;
      const versions = state.versions.changed(event.data.versionId, { lastAccessedDay: event.data.day });
      if (versions === undefined) return state;
      const lastAccessedDay = Math.max(state.lastAccessedDay ?? 0, event.data.day);
      return { ...state, ...versioned(state.labels.over(versions)), lastAccessedDay };
    }
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
};

/**
 * A secret's versions and labels, set together from the labels: as moved (over their versions), or over the
 * versions as changed (`labels.over(versions)`, the records carrying the labels they did).
 */
const versioned = (labels: SecretLabels): Pick<ActiveSecret, "versions" | "labels"> => ({
  versions: labels.versions,
  labels,
});

/** A new value's data key in the log is wrapped under the secret's key of its epoch: the secret's key now. */
const keyEpochOf = (state: ActiveSecret, value: SealedValue | undefined): { keyEpoch?: number } =>
  value?.key.in === "log" ? { keyEpoch: Math.max(state.keyEpoch ?? 0, value.key.epoch) } : {};

/** What a rotation event changes: the rotation, and LastChangedDate when the configuration changed. */
const evolveRotation = (
  state: ActiveSecret,
  event: RotationEvent,
): { readonly rotation: Rotation; readonly lastChangedAt?: Millis } => {
  const at = event.meta.at;
  const { inFlight, ...rotation }: Rotation = state.rotation ?? { enabled: false, configuredAt: at };
  const current = (versionId: VersionId): boolean => inFlight?.versionId === versionId;
  switch (event.type) {
    case "RotationConfigured": {
      const { lambdaArn, rules } = event.data;
      return {
        rotation: {
          ...rotation,
          ...(inFlight === undefined ? {} : { inFlight }),
          enabled: true,
          ...(lambdaArn === undefined ? {} : { lambdaArn }),
          ...(rules === undefined ? {} : { rules }),
          configuredAt: at,
        },
        lastChangedAt: at,
      };
    }
    case "RotationStarted": {
      const { versionId, attempt, testOnly } = event.data;
      return {
        rotation: { ...rotation, inFlight: { versionId, attempt, attemptAt: at, testOnly: testOnly === true } },
      };
    }
    case "RotationFailed": {
      const { versionId, retryAt } = event.data;
      if (inFlight === undefined || !current(versionId)) return { rotation: { ...rotation } };
      return { rotation: { ...rotation, ...(retryAt === undefined ? {} : { inFlight: { ...inFlight, retryAt } }) } };
    }
    case "RotationSucceeded":
      return { rotation: { ...rotation, ...(event.data.testOnly === true ? {} : { lastRotatedAt: at }) } };
    case "RotationAbandoned":
      return { rotation };
    case "RotationCancelled":
      return { rotation: { ...rotation, enabled: false }, lastChangedAt: at };
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
};

/**
 * The events of one record folded into `from`; `seq`: the record's place in the log (none: not yet appended). Labels
 * moved one after the other (PutSecretValue's two) are moved at once (`moveLabels`, which evolve moves one with).
 */
export const fold = (
  events: ReadonlyArray<SecretEvent>,
  from: SecretState = initialState,
  seq?: number,
): SecretState => {
  let state = from;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as SecretEvent;
    let last = i;
    while (event.type === "LabelMoved" && events[last + 1]?.type === "LabelMoved") last++;
    state = last === i ? evolve(state, event, seq) : moveLabels(state, events.slice(i, last + 1) as LabelMoved[]);
    i = last;
  }
  return state;
};

/** Labels moved in turn: the versions' records written once for them all. */
const moveLabels = (state: SecretState, moved: ReadonlyArray<LabelMoved>): SecretState =>
  state.status !== "active"
    ? state
    : {
        ...state,
        ...versioned(state.labels.moved(moved.map((e) => [e.data.label, e.data.to]))),
        lastChangedAt: (moved[moved.length - 1] as LabelMoved).meta.at,
      };

/** The labels on one version, in a stable order (AWS does not specify one). */
export const stagesOf = (state: ActiveSecret, versionId: VersionId): ReadonlyArray<StagingLabel> =>
  [...state.labels].filter(([, holder]) => holder === versionId).map(([label]) => label);

/** Versions with at least one label, with their labels: DescribeSecret's VersionIdsToStages. */
export const labelledVersions = (state: ActiveSecret): ReadonlyMap<VersionId, ReadonlyArray<StagingLabel>> => {
  const byVersion = new Map<VersionId, StagingLabel[]>();
  for (const [label, versionId] of state.labels) {
    const stages = byVersion.get(versionId);
    if (stages === undefined) byVersion.set(versionId, [label]);
    else stages.push(label);
  }
  return byVersion;
};
