import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes, randomUUID } from "node:crypto";
import { labelMoved } from "../../src/domain/events.js";
import { SecretLabels } from "../../src/domain/secret-labels.js";
import { evolve, fold, initialState } from "../../src/domain/state.js";
import { RECORD, SecretVersions, type Version } from "../../src/domain/versions.js";
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, type StagingLabel, type VersionId } from "../../src/domain/types.js";
import { created, versionAdded } from "../support/decider.js";
import { seededRandom } from "../support/random.js";

// Packed versions read back as the versions that went in, whatever their ids and fingerprints, and change as a Map
// of them would.

const id = (s: string): VersionId => s as VersionId;
const uuid = (): VersionId => randomUUID() as VersionId;
const fingerprint = (): string => randomBytes(32).toString("base64");

/** One version of each form a log can hold. */
const forms = (): Version[] => [
  {
    versionId: uuid(),
    createdAt: 1_700_000_000_123,
    value: { kind: "string", fingerprint: fingerprint(), key: { in: "log", epoch: 3 }, seq: 42 },
  },
  // A token that is not a UUID in lower case, a fingerprint that is not 32 bytes of base64, a value not yet appended.
  {
    versionId: id("EXAMPLE1-90AB-CDEF-FEDC-BA987EXAMPLE"),
    createdAt: 1.5,
    value: { kind: "binary", fingerprint: "not base64!", key: { in: "key-store" } },
  },
  { versionId: id("a-client-request-token-of-40-characters.."), createdAt: 0, lastAccessedDay: 1_699_920_000_000 },
  {
    versionId: uuid(),
    createdAt: Number.MAX_SAFE_INTEGER,
    value: { kind: "binary", fingerprint: fingerprint(), key: { in: "log", epoch: 1 }, seq: 2 ** 40 + 1 },
    lastAccessedDay: 0,
  },
];

test("versions read back as they went in, in order, from their records and from a checkpoint's data", () => {
  const versions = forms();
  const packed = SecretVersions.of(versions);
  assert.is(packed.size, 4);
  assert.equal([...packed.values()], versions);
  assert.equal(
    [...packed.keys()],
    versions.map((v) => v.versionId),
  );
  for (const version of versions) {
    assert.ok(packed.has(version.versionId));
    assert.equal(packed.get(version.versionId), version);
  }
  assert.not.ok(packed.has(uuid()));
  assert.is(packed.get(id("EXAMPLE1-90AB-CDEF-FEDC-BA987EXAMPLF")), undefined);
  assert.equal(new Map(packed), new Map(versions.map((v) => [v.versionId, v])));

  const restored = SecretVersions.fromData(JSON.parse(JSON.stringify(packed.data())) as ReturnType<typeof packed.data>);
  assert.equal([...(restored?.values() ?? [])], versions);
  assert.not.ok(packed.allInLog(), "the second version's value is not in the log yet");
  assert.ok(SecretVersions.of([versions[0] as Version, versions[2] as Version]).allInLog());
});

test("a version of an id already there takes its place; changed and without leave the rest as they were", () => {
  const [a, b, c] = forms() as [Version, Version, Version];
  const before = SecretVersions.of([a, b, c]);
  const replaced = before.with({ ...b, createdAt: 7 });
  assert.equal([...replaced.keys()], [a.versionId, b.versionId, c.versionId]);
  assert.is(replaced.get(b.versionId)?.createdAt, 7);
  assert.is(before.get(b.versionId)?.createdAt, 1.5, "a state, once made, does not change");

  const read = before.changed(a.versionId, { lastAccessedDay: 86_400_000 });
  assert.equal(read?.get(a.versionId), { ...a, lastAccessedDay: 86_400_000 });
  assert.is(before.changed(uuid(), { lastAccessedDay: 0 }), undefined);

  // Written again and again (read on a new day each time), a version whose id does not pack adds no odd string.
  let reread = before;
  for (let day = 1; day <= 5; day++)
    reread = reread.changed(c.versionId, { lastAccessedDay: day * 86_400_000 }) ?? before;
  assert.equal(reread.data().odd, before.data().odd);
  assert.is(reread.get(c.versionId)?.lastAccessedDay, 5 * 86_400_000);

  const pruned = before.without(new Set([a.versionId, c.versionId]));
  assert.equal([...pruned.values()], [b]);
  assert.is(SecretVersions.none.size, 0);
});

test("a checkpoint's versions that are not whole records, or name odd strings it lacks, are refused", () => {
  const [, b] = forms() as [Version, Version];
  const data = SecretVersions.of([b]).data();
  assert.ok(SecretVersions.fromData(data) !== undefined);
  assert.is(SecretVersions.fromData({ records: data.records, odd: [] }), undefined);
  assert.is(SecretVersions.fromData({ records: "\0".repeat(RECORD - 1), odd: [] }), undefined);
  assert.is(SecretVersions.fromData({ records: "\xff".repeat(RECORD), odd: [] }), undefined);
});

test("labels move, come off and read back as a Map of them would; AWS's ride on the versions' records", () => {
  const [vx, vy] = forms() as [Version, Version];
  const [x, y, elsewhere] = [vx.versionId, vy.versionId, uuid()];
  const custom = "blue" as StagingLabel;
  const versions = SecretVersions.of([vx, vy]);
  const labels = SecretLabels.none
    .over(versions)
    .with(AWSCURRENT, x)
    .with(custom, x)
    .with(AWSPREVIOUS, y)
    .with(AWSPENDING, elsewhere);
  assert.equal(
    new Map(labels),
    new Map([
      [AWSCURRENT, x],
      [AWSPREVIOUS, y],
      [custom, x],
      [AWSPENDING, elsewhere],
    ]),
  );
  assert.is(labels.size, 4);
  assert.is(labels.versions.get(x)?.createdAt, vx.createdAt, "the versions read as they did");
  assert.equal(SecretLabels.none.over(versions).get(AWSCURRENT), undefined, "the versions, once made, do not change");

  const moved = labels.with(AWSCURRENT, y).with(custom, undefined).with(AWSPENDING, undefined);
  assert.equal(
    new Map(moved),
    new Map([
      [AWSCURRENT, y],
      [AWSPREVIOUS, y],
    ]),
  );
  assert.is(labels.get(custom), x, "a state, once made, does not change");
  assert.is(moved.with(custom, undefined), moved);
  assert.not.ok(moved.has(custom));
  // A version written again in its place keeps its labels.
  assert.is(moved.over(moved.versions.with({ ...vy, createdAt: 5 })).get(AWSCURRENT), y);

  // Pruned from under its labels (the rules do not, the fold must not lose them): they stay, on a version not there.
  const pruned = labels.without(new Set([y]));
  assert.equal(
    new Map(pruned),
    new Map([
      [AWSCURRENT, x],
      [custom, x],
      [AWSPENDING, elsewhere],
      [AWSPREVIOUS, y],
    ]),
  );
  assert.equal([...pruned.versions.keys()], [x]);

  // A checkpoint's labels over its versions: as they were, or refused when the records do not carry them.
  const kept = SecretVersions.fromData(labels.versions.data()) as SecretVersions;
  assert.equal(new Map(SecretLabels.restored(kept, [...labels]) ?? []), new Map(labels));
  assert.is(SecretLabels.restored(kept, [[AWSCURRENT, x]]), undefined);
  assert.is(
    SecretLabels.restored(
      kept,
      [...labels].map(([l, v]) => [l, l === AWSCURRENT ? y : v] as const),
    ),
    undefined,
  );
});

test("labels moved several at once end as moved one by one, and a record's run of moves folds as evolved in turn", () => {
  const { below } = seededRandom(7);
  const [va, vb, vc] = forms() as [Version, Version, Version];
  const ids = [va.versionId, vb.versionId, vc.versionId, uuid(), undefined];
  const names = [AWSCURRENT, AWSPREVIOUS, AWSPENDING, "blue" as StagingLabel, "green" as StagingLabel];
  const versions = SecretVersions.of([va, vb, vc]);
  for (let run = 0; run < 200; run++) {
    let start = SecretLabels.none.over(versions);
    for (let k = below(4); k > 0; k--) start = start.with(names[below(5)] as StagingLabel, ids[below(5)]);
    const moves = Array.from({ length: 1 + below(4) }, () => [names[below(5)] as StagingLabel, ids[below(5)]] as const);
    const oneByOne = moves.reduce((labels, [label, to]) => labels.with(label, to), start);
    const atOnce = start.moved(moves);
    assert.equal(new Map(atOnce), new Map(oneByOne));
    assert.equal(atOnce.versions.data(), oneByOne.versions.data());
  }
  const events = [
    created(),
    versionAdded("1"),
    versionAdded("2"),
    ...[
      [AWSCURRENT, "1"],
      [AWSPREVIOUS, "2"],
      ["blue", "9"],
      [AWSCURRENT, "2"],
      [AWSPREVIOUS, "1"],
    ].map(([label, to], i) => labelMoved(label as StagingLabel, undefined, to?.padEnd(32, "-") as VersionId, 100 + i)),
  ];
  const evolved = events.reduce((state, event) => evolve(state, event, 5), initialState);
  assert.equal(fold(events, initialState, 5), evolved);
});

test("where the versions' data keys are, read without reading the versions", () => {
  // Epoch 1 is in a version whose numbers do not pack (its creation time), epoch 3 in one whose do.
  const [inLog, byVersion, empty, odd] = forms() as [Version, Version, Version, Version];
  assert.equal(SecretVersions.of(forms()).dataKeyPlaces(), { lowestEpoch: 1, byVersion: true });
  assert.equal(SecretVersions.of([inLog, empty]).dataKeyPlaces(), { lowestEpoch: 3, byVersion: false });
  assert.equal(SecretVersions.of([odd, inLog]).dataKeyPlaces(), { lowestEpoch: 1, byVersion: false });
  assert.equal(SecretVersions.of([byVersion, empty]).dataKeyPlaces(), {
    lowestEpoch: Number.POSITIVE_INFINITY,
    byVersion: true,
  });
  assert.equal(SecretVersions.none.dataKeyPlaces(), { lowestEpoch: Number.POSITIVE_INFINITY, byVersion: false });
});

test.run();
