import * as E from "fp-ts/lib/Either.js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SecretCatalog } from "../../projections/secret-catalog.js";
import { commandHandler, prepared } from "../../src/application/handle-command.js";
import type { AppendOutcome, CommandLog } from "../../src/application/ports.js";
import type { CommandRecord } from "../../src/domain/events.js";
import type { ActiveSecret } from "../../src/domain/state.js";
import { createSecret, NOW, putSecretValue, sealed } from "../support/decider.js";

// The write pipeline's own rules, on its ports: a log that keeps records in memory and folds each into the
// projection as the consumer would, and secrets' new keys whose writes are remembered in order with the records. (The same pipeline
// against a real nats-server: every e2e test, and test/integration/event-log.test.ts for the log's guard.)

type Write = { readonly kind: "key" | "record"; readonly what: string };

const harness = () => {
  const catalog = new SecretCatalog();
  const records: CommandRecord[] = [];
  const writes: Write[] = [];
  const subjectSeq = new Map<string, number>();
  let seq = 0;
  let conflictOnce: (() => void) | undefined;
  const append = (secretName: string, record: CommandRecord): number => {
    seq++;
    records.push(record);
    subjectSeq.set(secretName, seq);
    catalog.apply(seq, secretName, record.events);
    return seq;
  };
  const log: CommandLog = {
    append: (secretName, expected, record): Promise<AppendOutcome> => {
      // Another server's write lands first, once: the guard then refuses this one.
      if (conflictOnce !== undefined) {
        const other = conflictOnce;
        conflictOnce = undefined;
        other();
      }
      const last = subjectSeq.get(secretName) ?? 0;
      if (last !== expected) return Promise.resolve({ _tag: "Conflict", lastSeq: seq });
      writes.push({ kind: "record", what: record.command });
      return Promise.resolve({ _tag: "Appended", seq: append(secretName, record), stored: record });
    },
    lastSeq: () => Promise.resolve(seq),
  };
  let epochs = 1;
  const newSecretKey = (after: ActiveSecret) => {
    epochs++;
    writes.push({ kind: "key", what: `${after.name} key ${epochs}` });
    return Promise.resolve(E.right(epochs));
  };
  let available = true;
  const commands = commandHandler({ log, newSecretKey, catalog, clock: () => NOW, storeAvailable: () => available });
  return {
    commands,
    catalog,
    records,
    writes,
    append,
    /** Another server's write to land just before this server's next append. */
    beforeNextAppend: (other: () => void) => (conflictOnce = other),
    goOffline: () => (available = false),
  };
};

const byName = { kind: "name", name: "db" } as const;

test("a write is one append (its data key is in the record), and the answer waits for the projection", async () => {
  const { commands, catalog, writes } = harness();
  const result = await commands.handleCommand("db", byName, "CreateSecret", () =>
    prepared(createSecret({ secretString: sealed("a") })),
  );
  assert.ok(E.isRight(result));
  assert.equal(writes, [{ kind: "record", what: "CreateSecret" }]);
  assert.is(catalog.entry("db").state.status, "active");
});

test("a pruning of versions whose data keys are in the log writes the secret's new key, then records it", async () => {
  const { commands, catalog, records, writes } = harness();
  await commands.handleCommand("db", byName, "CreateSecret", () =>
    prepared(createSecret({ secretString: sealed("a") })),
  );
  for (const id of ["2", "3"])
    await commands.handleCommand("db", byName, "PutSecretValue", () => prepared(putSecretValue(id, sealed(id))));
  const policy = { keep: 1, minAgeMs: -1, quota: 100 };
  const pruned = await commands.handleCommand("db", byName, "PruneVersions", () =>
    prepared({ type: "PruneVersions", data: { versionPolicy: policy, now: NOW } }),
  );
  assert.ok(E.isRight(pruned));
  assert.equal(writes.slice(-2), [
    { kind: "key", what: "db key 2" },
    { kind: "record", what: "PruneVersions" },
  ]);
  assert.equal(
    records.at(-1)?.events.map((e) => e.type),
    ["VersionsPruned", "SecretKeyReplaced"],
  );
  const state = catalog.entry("db").state;
  assert.is(state.status === "active" ? state.keyEpoch : undefined, 2);
});

test("an idempotent retry (the decider answers no events) appends nothing", async () => {
  const { commands, writes } = harness();
  await commands.handleCommand("db", byName, "CreateSecret", () =>
    prepared(createSecret({ secretString: sealed("a") })),
  );
  const again = await commands.handleCommand("db", byName, "CreateSecret", () =>
    prepared(createSecret({ secretString: sealed("a") })),
  );
  assert.ok(E.isRight(again) && again.right.events.length === 0);
  assert.equal(writes, [{ kind: "record", what: "CreateSecret" }]);
});

test("a refusal appends nothing", async () => {
  const { commands, records } = harness();
  const refused = await commands.handleCommand("db", byName, "PutSecretValue", () =>
    prepared(putSecretValue("2", sealed("b"))),
  );
  assert.equal(E.isLeft(refused) ? refused.left._tag : "accepted", "SecretNotFound");
  assert.is(records.length, 0);
});

test("on a conflict the command is prepared and decided again against the state the other write left", async () => {
  const h = harness();
  await h.commands.handleCommand("db", byName, "CreateSecret", () =>
    prepared(createSecret({ secretString: sealed("a") })),
  );
  h.beforeNextAppend(() =>
    h.append("db", { schemaVersion: 1, command: "PutSecretValue", requestId: "other", events: [] }),
  );
  const seen: number[] = [];
  const result = await h.commands.handleCommand("db", byName, "PutSecretValue", (state) => {
    seen.push(state.status === "active" ? state.versions.size : 0);
    return prepared(putSecretValue("2", sealed("b")));
  });
  assert.ok(E.isRight(result));
  // Prepared twice: before the other write, and again after the projection saw it.
  assert.is(seen.length, 2);
  assert.equal(
    h.records.map((r) => (r.requestId === "other" ? "other" : r.command)),
    ["CreateSecret", "other", "PutSecretValue"],
  );
});

test("while the store is out of reach a command is refused at once, as retryable", async () => {
  const h = harness();
  h.goOffline();
  let wasPrepared = false;
  const result = await h.commands.handleCommand("db", byName, "CreateSecret", () => {
    wasPrepared = true;
    return Promise.resolve(E.left({ _tag: "SecretNotFound" } as const));
  });
  assert.equal(E.isLeft(result) ? result.left._tag : "accepted", "StorageUnavailable");
  assert.is(wasPrepared, false);
});

test("the actor's request id and principal go into the record", async () => {
  const h = harness();
  await h.commands
    .as({ requestId: "req-1", principal: "arn:aws:iam::123456789012:user/alice" })
    .handleCommand("db", byName, "CreateSecret", () => prepared(createSecret({ secretString: sealed("a") })));
  assert.is(h.records[0]?.requestId, "req-1");
  assert.is(h.records[0]?.principal, "arn:aws:iam::123456789012:user/alice");
});

test.run();
