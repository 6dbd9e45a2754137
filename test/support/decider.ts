import * as E from "fp-ts/lib/Either.js";
import * as assert from "uvu/assert";
import type {
  CreateSecret,
  PutSecretValue,
  SecretCommand,
  UpdateSecretVersionStage,
} from "../../src/domain/commands.js";
import { secretDecider, type Decider } from "../../src/domain/decider.js";
import {
  labelMoved,
  secretCreated,
  versionCreated,
  type CommandRecord,
  type SecretEvent,
} from "../../src/domain/events.js";
import { fold, type ActiveSecret } from "../../src/domain/state.js";
import type { SealedValue, SecretName, StagingLabel, VersionId } from "../../src/domain/types.js";

// Given/When/Then over plain data, as Emmett tests deciders.

export const NOW = 1_800_000_000_000;
export const HOUR = 60 * 60 * 1000;
/** The service's defaults: keep 100, prune only versions older than 24 hours, at most 150 versions. */
export const POLICY = { keep: 100, minAgeMs: 24 * HOUR, quota: 150 } as const;
export const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";

/** A version id from a short name: `v('1')` is 32 characters long, as VersionIds must be. */
/** One JetStream message's worth of events, as a test command writes it to the log. */
export const commandRecord = (events: CommandRecord["events"]): CommandRecord => ({
  schemaVersion: 1,
  command: "Test",
  requestId: "r",
  events,
});

export const v = (id: string): VersionId => id.padEnd(32, "-") as VersionId;
export const label = (l: string): StagingLabel => l as StagingLabel;
/** A sealed value whose fingerprint stands for the plaintext. */
export const sealed = (fingerprint: string, kind: SealedValue["kind"] = "string"): SealedValue => ({
  kind,
  ciphertext: `ct(${fingerprint})`,
  fingerprint,
  key: { in: "log", epoch: 1, wrapped: `key(${fingerprint})` },
});

export const created = (name = "db"): SecretEvent => secretCreated({ name: name as SecretName, arn: ARN }, NOW);
export const versionAdded = (id: string, fingerprint = id): SecretEvent =>
  versionCreated(v(id), sealed(fingerprint), NOW);
export const moved = (l: string, from: string | undefined, to: string | undefined): SecretEvent =>
  labelMoved(label(l), from === undefined ? undefined : v(from), to === undefined ? undefined : v(to), NOW);

/** A secret whose first version `id` holds AWSCURRENT. */
export const withFirstVersion = (id = "1"): SecretEvent[] => [
  created(),
  versionAdded(id),
  moved("AWSCURRENT", undefined, id),
];

export const createSecret = (data: Partial<CreateSecret["data"]> = {}): CreateSecret => ({
  type: "CreateSecret",
  data: { name: "db" as SecretName, arn: ARN, clientRequestToken: v("1"), now: NOW, ...data },
});
export const putSecretValue = (
  token: string | undefined,
  value: SealedValue | undefined,
  stages?: string[],
  now = NOW,
): PutSecretValue => ({
  type: "PutSecretValue",
  data: {
    ...(token === undefined ? {} : { clientRequestToken: v(token) }),
    ...(value === undefined ? {} : value.kind === "string" ? { secretString: value } : { secretBinary: value }),
    ...(stages === undefined ? {} : { versionStages: stages.map(label) }),
    versionPolicy: POLICY,
    now,
  },
});
export const updateStage = (l: string, moveTo?: string, removeFrom?: string): UpdateSecretVersionStage => ({
  type: "UpdateSecretVersionStage",
  data: {
    versionStage: label(l),
    ...(moveTo === undefined ? {} : { moveToVersionId: v(moveTo) }),
    ...(removeFrom === undefined ? {} : { removeFromVersionId: v(removeFrom) }),
    now: NOW,
  },
});

/** The labels of each version after `events`, as `{ versionId: [labels, sorted] }`. */
export const labelsOf = (events: ReadonlyArray<SecretEvent>): Record<string, string[]> => {
  const state = fold(events) as ActiveSecret;
  const out: Record<string, string[]> = {};
  for (const id of state.versions.keys()) out[id.replace(/-+$/, "")] = [];
  for (const [l, id] of state.labels) out[id.replace(/-+$/, "")]?.push(l);
  for (const k of Object.keys(out)) out[k]?.sort();
  return out;
};

/**
 * Given/When/Then over any decider (Emmett's DeciderSpecification): `given` events, `when` a command, `then` the
 * events it decides, `thenRefused` with the error it is refused with.
 */
export const deciderSpecification =
  <Command, Event, State, Error>(decider: Decider<Command, Event, State, Error>) =>
  (history: ReadonlyArray<Event>) => ({
    when: (command: Command) => {
      const decision = decider.decide(command, history.reduce(decider.evolve, decider.initialState));
      return {
        decision,
        then: (expected: ReadonlyArray<Event>) => {
          if (E.isLeft(decision)) assert.unreachable(`refused with ${JSON.stringify(decision.left)}`);
          else assert.equal(decision.right, expected);
        },
        thenRefused: (expected: Error) => {
          if (E.isRight(decision)) assert.unreachable(`accepted with ${JSON.stringify(decision.right)}`);
          else assert.equal(decision.left, expected);
        },
      };
    },
  });

const givenSecret = deciderSpecification(secretDecider);

/** The secret decider's Given/When/Then, with `thenLabels` to check only where each label ends up. */
export const given = (history: ReadonlyArray<SecretEvent>) => ({
  when: (command: SecretCommand) => {
    const spec = givenSecret(history).when(command);
    return {
      then: spec.then,
      thenRefused: spec.thenRefused,
      thenLabels: (expected: Record<string, string[]>) => {
        if (E.isLeft(spec.decision)) assert.unreachable(`refused with ${spec.decision.left._tag}`);
        else assert.equal(labelsOf([...history, ...spec.decision.right]), expected);
      },
    };
  },
});
