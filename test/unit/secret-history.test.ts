import { test } from "uvu";
import * as assert from "uvu/assert";
import { historyOf } from "../../projections/secret-history.js";
import type { CommandRecord, SecretEvent } from "../../src/domain/events.js";
import type { SecretName, VersionId } from "../../src/domain/types.js";
import { ARN, NOW, created, moved, v, versionAdded } from "../support/decider.js";

const ROOT = "arn:aws:iam::123456789012:root";
const SECOND_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-XyZ123";

const record = (command: string, events: SecretEvent[], principal?: string): CommandRecord => ({
  schemaVersion: 1,
  command,
  requestId: `request-${command}`,
  ...(principal === undefined ? {} : { principal }),
  events,
});

const log = (): Array<{ seq: number; record: CommandRecord }> =>
  [
    record("CreateSecret", [created(), versionAdded("1"), moved("AWSCURRENT", undefined, "1")], ROOT),
    record(
      "PutSecretValue",
      [versionAdded("2"), moved("AWSCURRENT", "1", "2"), moved("AWSPREVIOUS", undefined, "1")],
      ROOT,
    ),
    record("PruneVersions", [
      { type: "VersionsPruned", data: { arn: ARN, versionIds: [v("0")] }, meta: { schemaVersion: 1, at: NOW } },
    ]),
    record(
      "DeleteSecret",
      [
        {
          type: "SecretDeleted",
          data: { arn: ARN, versionIds: [v("1"), v("2")], forced: true },
          meta: { schemaVersion: 1, at: NOW },
        },
      ],
      ROOT,
    ),
    record(
      "CreateSecret",
      [
        {
          type: "SecretCreated",
          data: { name: "db" as SecretName, arn: SECOND_ARN },
          meta: { schemaVersion: 1, at: NOW + 1 },
        },
        versionAdded("3"),
        moved("AWSCURRENT", undefined, "3"),
      ],
      ROOT,
    ),
  ].map((r, i) => ({ seq: 10 + i, record: r }));

test("every event is a fact in log order, with its command, its caller and its log sequence", () => {
  const history = historyOf(log());
  assert.equal(
    history.map((e) => [e.seq, e.event, e.command, e.principal]),
    [
      [10, "SecretCreated", "CreateSecret", ROOT],
      [10, "VersionCreated", "CreateSecret", ROOT],
      [10, "LabelMoved", "CreateSecret", ROOT],
      [11, "VersionCreated", "PutSecretValue", ROOT],
      [11, "LabelMoved", "PutSecretValue", ROOT],
      [11, "LabelMoved", "PutSecretValue", ROOT],
      [12, "VersionsPruned", "PruneVersions", undefined],
      [13, "SecretDeleted", "DeleteSecret", ROOT],
      [14, "SecretCreated", "CreateSecret", ROOT],
      [14, "VersionCreated", "CreateSecret", ROOT],
      [14, "LabelMoved", "CreateSecret", ROOT],
    ],
  );
});

test("label moves say from where to where; pruned and deleted versions stay as facts", () => {
  const history = historyOf(log());
  const move = history.find(
    (e) => e.event === "LabelMoved" && e.label?.name === "AWSCURRENT" && e.label.from !== undefined,
  );
  assert.equal(move?.label, { name: "AWSCURRENT", from: v("1"), to: v("2") });
  assert.is(move?.what, `AWSCURRENT moved from ${v("1")} to ${v("2")}`);
  const pruned = history.find((e) => e.event === "VersionsPruned");
  assert.equal(pruned?.versionIds, [v("0")]);
  assert.is(pruned?.what, "pruned 1 version(s), keys destroyed");
  assert.equal(history.find((e) => e.event === "SecretDeleted")?.versionIds, [v("1"), v("2")] as VersionId[]);
});

test("a name deleted and created again has two generations, told apart by number and ARN", () => {
  const history = historyOf(log());
  assert.equal([...new Set(history.map((e) => `${e.generation} ${e.arn}`))], [`1 ${ARN}`, `2 ${SECOND_ARN}`]);
  assert.is(history.find((e) => e.event === "SecretDeleted")?.generation, 1);
});

test.run();
