import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { connect } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { SecretCatalog } from "../../projections/secret-catalog.js";
import type { HistoryEntry } from "../../projections/secret-history.js";
import { checkpointPath, writeCheckpoint } from "../../src/store/checkpoint-file.js";
import { EventLog } from "../../src/store/event-log.js";
import { AwsJsonClient } from "../../src/client/aws-json-client.js";
import { AuditStream } from "../../src/store/audit-stream.js";
import { startTestApp, user, writePrincipals, type TestApp } from "../support/app.js";
import { secretLedger } from "../support/cli.js";
import { HOUR } from "../support/decider.js";
import { tempDir } from "../support/nats.js";

/** `secret-ledger <args>` against the app's log: its output, which a failing command does not have. */
const cli = async (app: TestApp, ...args: string[]): Promise<string> => {
  const done = await secretLedger(app, args);
  if (done.code !== 0) throw Object.assign(new Error(done.err), { code: done.code, stderr: done.err });
  return done.out;
};

/** `secret-ledger history …` against the app's log. */
const history = (app: TestApp, ...args: string[]): Promise<string> => cli(app, "history", ...args);

const History = suite("secret-ledger history");

History("a timeline across pruning, deletion and re-creation of the same name", async () => {
  let now = Date.UTC(2026, 10, 1);
  const app = await startTestApp({ clock: () => now, versions: { keep: 2, minAgeHours: 1, quota: 10 } });
  try {
    const first = randomUUID();
    const gen1 = await app.client.send(
      new CreateSecretCommand({ Name: "prod/db", SecretString: "a", ClientRequestToken: first }),
    );
    const tokens = [first];
    for (const value of ["b", "c", "d"]) {
      now += HOUR;
      const token = randomUUID();
      tokens.push(token);
      await app.client.send(
        new PutSecretValueCommand({ SecretId: "prod/db", SecretString: value, ClientRequestToken: token }),
      );
    }
    await app.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: "prod/db",
        VersionStage: "AWSCURRENT",
        MoveToVersionId: tokens[2],
        RemoveFromVersionId: tokens[3],
      }),
    );
    now += 2 * HOUR;
    const pruned = await app.compact();
    assert.ok(pruned.versionsPruned > 0, "the compactor pruned");
    await app.client.send(new DeleteSecretCommand({ SecretId: "prod/db", ForceDeleteWithoutRecovery: true }));
    now += HOUR;
    const gen2 = await app.client.send(
      new CreateSecretCommand({ Name: "prod/db", SecretString: "e", ClientRequestToken: randomUUID() }),
    );

    const entries = JSON.parse(await history(app, "prod/db", "--json")) as HistoryEntry[];
    const root = "arn:aws:iam::123456789012:root";
    assert.equal([...new Set(entries.map((e) => `${e.generation} ${e.arn}`))], [`1 ${gen1.ARN}`, `2 ${gen2.ARN}`]);
    const moved = entries.find((e) => e.command === "UpdateSecretVersionStage" && e.label?.name === "AWSCURRENT");
    assert.equal(moved?.label, { name: "AWSCURRENT", from: tokens[3], to: tokens[2] });
    assert.is(moved?.principal, root, "who moved it");
    assert.is(moved?.at, Date.UTC(2026, 10, 1) + 3 * HOUR, "when");
    const prune = entries.find((e) => e.event === "VersionsPruned");
    assert.equal(prune?.versionIds, [tokens[0], tokens[1]], "the two without a label");
    assert.is(prune?.principal, undefined, "the service's own command");
    const deleted = entries.find((e) => e.event === "SecretDeleted");
    assert.is(deleted?.generation, 1);
    assert.ok(deleted?.versionIds.includes(tokens[3] as string));
    // Every version ever created is there, pruned or not.
    const created = entries
      .filter((e) => e.event === "VersionCreated" && e.generation === 1)
      .map((e) => e.versionIds[0]);
    assert.equal(created, tokens);

    // The full ARN of the first generation shows that generation alone; the text form names who and what.
    const firstOnly = JSON.parse(await history(app, gen1.ARN ?? "", "--json")) as HistoryEntry[];
    assert.ok(firstOnly.length > 0 && firstOnly.every((e) => e.generation === 1));
    const text = await history(app, "prod/db");
    assert.match(
      text,
      new RegExp(
        `gen 1  ${root.replace(/[:]/g, ":")}  UpdateSecretVersionStage  AWSCURRENT moved from ${tokens[3]} to ${tokens[2]}`,
      ),
    );
    assert.match(text, /gen 1 {2}\(the service\) {2}PruneVersions {2}pruned 2 version\(s\), keys destroyed/);

    // The state at a point: by time, just after the label moved; by sequence, around the pruning.
    type State = { secrets: Array<{ arn: string; versions: Array<{ versionId: string; stages: string[] }> }> };
    const stateAt = async (...args: string[]): Promise<State> =>
      JSON.parse(await cli(app, "state", "--json", ...args)) as State;
    const afterMove = await stateAt("--at", new Date(Date.UTC(2026, 10, 1) + 3 * HOUR + 1).toISOString());
    assert.equal(
      afterMove.secrets.map((s) => s.arn),
      [gen1.ARN],
    );
    assert.equal(Object.fromEntries(afterMove.secrets[0]?.versions.map((v) => [v.versionId, v.stages]) ?? []), {
      [tokens[0] as string]: [],
      [tokens[1] as string]: [],
      [tokens[2] as string]: ["AWSCURRENT"],
      [tokens[3] as string]: ["AWSPREVIOUS"],
    });
    const pruneSeq = prune?.seq ?? 0;
    assert.is((await stateAt("--at", String(pruneSeq - 1))).secrets[0]?.versions.length, 4);
    assert.is((await stateAt("--at", String(pruneSeq))).secrets[0]?.versions.length, 2);
    assert.equal((await stateAt("--at", String(deleted?.seq ?? 0))).secrets, [], "deleted: gone");
    const latest = await stateAt("--at", "2030-01-01T00:00:00Z", "--secret", "prod/db");
    assert.equal(
      latest.secrets.map((s) => s.arn),
      [gen2.ARN],
    );
    assert.match(
      await cli(app, "state", "--at", String(pruneSeq), "--secret", "prod/db"),
      new RegExp(`  ${tokens[2]}  created [^ ]+  AWSCURRENT\n`),
    );
    const refused = await cli(app, "state", "--at", "last tuesday").then(
      () => "accepted",
      (e: { code: number; stderr: string }) => `${e.code}: ${e.stderr}`,
    );
    assert.match(refused, /^2: secret-ledger: state needs --at/);
  } finally {
    await app.stop();
  }
});

History("replay rebuilds the projection with progress, and --verify finds where a kept one differs", async () => {
  const app = await startTestApp();
  for (const name of ["r/one", "r/two"])
    await app.client.send(
      new CreateSecretCommand({ Name: name, SecretString: name, ClientRequestToken: randomUUID() }),
    );
  await app.client.send(new TagResourceCommand({ SecretId: "r/two", Tags: [{ Key: "team", Value: "blue" }] }));
  await app.stop();
  // Against the service's own data directory, where its checkpoint is.
  const replay = (...args: string[]) =>
    secretLedger(app, ["replay", ...args], { SECRET_LEDGER_DATA: app.config.dataDir });
  const rebuilt = await replay();
  assert.is(rebuilt.code, 0);
  assert.match(
    rebuilt.out,
    /^replayed 3 record\(s\), 7 event\(s\), up to seq 3 in [\d.]+ s \(\d+ events\/s\): 2 secret\(s\)\n$/,
  );
  assert.match(
    rebuilt.err,
    /replay: 100% {2}seq 3\/3 {2}\d+ events\/s {2}ETA 0 s\n$/,
    "plain progress lines off a terminal",
  );
  const verified = await replay("--verify");
  assert.equal(
    [verified.code, verified.out.split("\n")[1]],
    [0, "verify: the rebuilt projection and the checkpoint at seq 3 agree"],
  );

  // A projection that missed a record (a bug, a bad upgrade) is kept as the checkpoint: verify names the secret.
  const nc = await connect({ servers: app.natsUrl });
  const log = await EventLog.open(nc, app.config.region);
  const missing = new SecretCatalog();
  for (const { seq, secretName, record } of await log.records(() => undefined))
    if (record.command === "TagResource") missing.passOver(seq);
    else missing.apply(seq, secretName, record.events);
  await writeCheckpoint(checkpointPath(app.config.dataDir, app.config.region), await log.identity(), missing);
  await nc.drain();
  const caught = await replay("--verify");
  assert.is(caught.code, 1);
  assert.match(caught.out, /verify: 1 difference\(s\) from the checkpoint at seq 3:\n {2}r\/two: [\w, ]+ differ\n/);
  assert.match(caught.out, /r\/two: .*\btags\b/);
});

History("the same questions over HTTP: authorized, audited, values revealed only to who may read them", async () => {
  const dataDir = tempDir("ledger-http");
  const reader = user("reader", {
    Effect: "Allow",
    Action: ["secretsmanager:GetSecretValue", "secretledger:*"],
    Resource: "*",
  });
  const auditor = user("auditor", { Effect: "Allow", Action: "secretledger:*", Resource: "*" });
  const outsider = user("outsider");
  writePrincipals(join(dataDir, "principals.json"), [reader, auditor, outsider]);
  let now = Date.UTC(2026, 10, 1);
  const app = await startTestApp({ dataDir, clock: () => now, versions: { keep: 2, minAgeHours: 1, quota: 10 } });
  const as = (who: typeof reader) => new AwsJsonClient(app.endpoint, who, app.config.region);
  const [asReader, asAuditor, asOutsider] = [as(reader), as(auditor), as(outsider)];
  try {
    const tokens = [randomUUID(), randomUUID(), randomUUID()];
    await app.client.send(
      new CreateSecretCommand({ Name: "h/db", SecretString: "one", ClientRequestToken: tokens[0] }),
    );
    for (const [i, value] of ["two", "three"].entries()) {
      now += HOUR;
      await app.client.send(
        new PutSecretValueCommand({ SecretId: "h/db", SecretString: value, ClientRequestToken: tokens[i + 1] }),
      );
    }
    const beforePruning = new Date(now).toISOString();
    now += 2 * HOUR;
    assert.is((await app.compact()).versionsPruned, 1);
    await app.whenKeysShredded();

    // The history over HTTP is what the command line prints.
    const history = await asReader.send("secretledger.GetSecretHistory", { SecretId: "h/db" });
    assert.is(history.status, 200);
    assert.equal(history.json["Entries"], JSON.parse(await cli(app, "history", "h/db", "--json")));

    // Revealed, as it stood before the pruning: the pruned version's value is gone for good.
    const revealed = await asReader.send("secretledger.GetStateAt", {
      At: beforePruning,
      SecretId: "h/db",
      Reveal: true,
    });
    assert.is(revealed.status, 200);
    const versions =
      (revealed.json["secrets"] as Array<{ versions: Array<Record<string, unknown>> }>)[0]?.versions ?? [];
    assert.equal(Object.fromEntries(versions.map((v) => [v["versionId"], v["SecretString"] ?? v["unavailable"]])), {
      [tokens[0] as string]: "shredded",
      [tokens[1] as string]: "two",
      [tokens[2] as string]: "three",
    });
    // The command line's --reveal asks the running service, signed as the principal in the environment.
    const signedAsReader = { AWS_ACCESS_KEY_ID: reader.accessKeyId, AWS_SECRET_ACCESS_KEY: reader.secretAccessKey };
    const fromCli = await secretLedger(
      app,
      ["state", "--at", beforePruning, "--secret", "h/db", "--reveal", "--endpoint-url", app.endpoint],
      signedAsReader,
    );
    assert.equal(JSON.parse(fromCli.out), revealed.json);
    // Without GetSecretValue, the same question shows the state and withholds the values.
    const withheld = await asAuditor.send("secretledger.GetStateAt", { At: beforePruning, Reveal: true });
    const auditorView =
      (withheld.json["secrets"] as Array<{ versions: Array<Record<string, unknown>> }>)[0]?.versions ?? [];
    assert.ok(auditorView.length === 3 && auditorView.every((v) => v["valueWithheld"] === "AccessDeniedException"));
    assert.not.match(withheld.body, /"two"|"three"/);
    // Without secretledger's actions, nothing.
    const refused = await asOutsider.send("secretledger.GetSecretHistory", { SecretId: "h/db" });
    assert.is(refused.json["__type"], "AccessDeniedException");
    assert.match(
      String(refused.json["Message"]),
      /not authorized to perform: secretledger:GetSecretHistory on resource: arn:/,
    );
    // Bad input and unknown operations get AWS-shaped errors.
    const bad = await asReader.send("secretledger.GetStateAt", { At: "last tuesday" });
    assert.equal([bad.status, bad.json["__type"]], [400, "InvalidParameterException"]);
    const unknown = await asReader.send("secretledger.Rewind", {});
    assert.is(unknown.json["__type"], "UnknownOperationException");
    // The live projection, rebuilt from the log to the same point and compared.
    const verified = await asReader.send("secretledger.VerifyProjection", {});
    assert.equal(
      [verified.json["agree"], verified.json["seq"], verified.json["differences"]],
      [true, await app.log.lastSeq(), []],
    );
    // The command line asks the same of the running service with replay --verify --live.
    const live = await secretLedger(
      app,
      ["replay", "--verify", "--live", "--endpoint-url", app.endpoint],
      signedAsReader,
    );
    assert.is((JSON.parse(live.out) as { agree: boolean }).agree, true);
    // A projection that went wrong in memory (here: an event the log never had) is caught, and named.
    app.catalog.apply(app.catalog.checkpoint + 1, "h/db", [
      { type: "SecretTagged", data: { tags: [{ Key: "forged", Value: "yes" }] }, meta: { schemaVersion: 1, at: now } },
    ]);
    const wrong = await asReader.send("secretledger.VerifyProjection", {});
    assert.is(wrong.json["agree"], false);
    assert.match(JSON.stringify(wrong.json["differences"]), /h\/db: .*tags/);
    // A reveal is audited like a read, and waits for its record.
    await app.whenAudited();
    const nc = await connect({ servers: app.natsUrl });
    const audit: string[] = [];
    await (await AuditStream.open(nc, app.config.region)).read((m) => audit.push(Buffer.from(m.payload).toString()));
    await nc.drain();
    assert.match(audit.join(""), /"operation":"GetStateAt"/);
    assert.not.match(audit.join(""), /"two"|"three"/);
  } finally {
    for (const c of [asReader, asAuditor, asOutsider]) c.close();
    await app.stop();
  }
});

History.run();
