import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { projectRoot } from "../../src/store/nats-server.js";

// The web page's timeline model (src/ui/page/timeline.js, run by the browser as it is): what it makes of a
// history: versions and their fates, label bars, rotation spans, reads.

type Model = {
  readonly columns: ReadonlyArray<{ readonly seq: number }>;
  readonly versions: ReadonlyArray<{ id: string; created: number; end?: number; fate?: string }>;
  readonly segments: ReadonlyArray<{ label: string; version: string; from: number; to?: number }>;
  readonly rotations: ReadonlyArray<{ version: string; from: number; to?: number; outcome: string }>;
  readonly reads: ReadonlyArray<{ version: string; at: number }>;
};

const load = async (): Promise<(entries: object[]) => Model> =>
  (
    (await import(pathToFileURL(join(projectRoot(), "src", "ui", "page", "timeline.js")).href)) as {
      timelineModel: (entries: object[]) => Model;
    }
  ).timelineModel;

const entry = (seq: number, event: string, versionIds: string[], extra: object = {}) => ({
  seq,
  at: seq * 1000,
  event,
  versionIds,
  what: "",
  command: "X",
  ...extra,
});
const moved = (seq: number, name: string, from: string | undefined, to: string | undefined) =>
  entry(
    seq,
    "LabelMoved",
    [from, to].filter((v): v is string => v !== undefined),
    {
      label: { name, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) },
    },
  );

test("versions end where they were pruned or deleted; labels are bars while held; rotations are spans", async () => {
  const timelineModel = await load();
  const model = timelineModel([
    entry(1, "VersionCreated", ["a"]),
    moved(1, "AWSCURRENT", undefined, "a"),
    entry(2, "VersionCreated", ["b"]),
    moved(2, "AWSCURRENT", "a", "b"),
    moved(2, "AWSPREVIOUS", undefined, "a"),
    entry(3, "SecretAccessed", ["b"]),
    entry(4, "RotationStarted", ["c"], { what: "rotation started, pending version c" }),
    entry(4, "VersionCreated", ["c"]),
    moved(4, "AWSPENDING", undefined, "c"),
    entry(5, "RotationFailed", ["c"], { what: "rotation attempt 1 failed at setSecret: x; retry from …" }),
    entry(6, "RotationAbandoned", ["c"], { rotationEnd: "abandoned" }),
    moved(6, "AWSPENDING", "c", undefined),
    entry(7, "VersionsPruned", ["c"]),
    entry(8, "SecretDeleted", ["a", "b"]),
  ]);
  assert.equal(
    model.columns.map((c) => c.seq),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  assert.equal(
    model.versions.map((v) => [v.id, v.created, v.end, v.fate]),
    [
      ["a", 0, 7, "deleted"],
      ["b", 1, 7, "deleted"],
      ["c", 3, 6, "pruned"],
    ],
  );
  assert.equal(
    model.segments.map((s) => [s.label, s.version, s.from, s.to]),
    [
      ["AWSCURRENT", "a", 0, 1],
      ["AWSCURRENT", "b", 1, 7],
      ["AWSPREVIOUS", "a", 1, 7],
      ["AWSPENDING", "c", 3, 5],
    ],
  );
  assert.equal(
    model.rotations.map((r) => [r.version, r.from, r.to, r.outcome]),
    [["c", 3, 5, "abandoned"]],
  );
  assert.equal(
    model.reads.map((r) => [r.version, r.at]),
    [["b", 2]],
  );
});

test.run();
