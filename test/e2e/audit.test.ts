import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from "@aws-sdk/client-secrets-manager";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AuditStream, type AuditMessage } from "../../src/store/audit-stream.js";
import { auditStreamName, streamName } from "../../src/store/subjects.js";
import { clientAs, startTestApp, user, writePrincipals, type TestApp } from "../support/app.js";
import { cliEnv, cliPath, secretLedger } from "../support/cli.js";
import { auditMessages, recordsOf } from "../support/audit.js";
import { sdkError } from "../support/sdk.js";
import { freshRegion, startOwnNatsServer, tempDir, within } from "../support/nats.js";

/** `secret-ledger audit …` against a nats-server (a copy of the app's, say), with the app's keyring. */
const auditCli = async (app: TestApp, natsUrl: string, ...args: string[]): Promise<{ code: number; out: string }> => {
  const done = await secretLedger(app, ["audit", ...args], { NATS_URL: natsUrl });
  return { code: done.code, out: done.out + done.err };
};

const reader = user("reader", { Effect: "Allow", Action: "secretsmanager:Get*", Resource: "*" });

const Audit = suite("the audit trail");

Audit("every call is a record: reads, writes, refusals and failed signatures; never a value", async () => {
  const principals = join(tempDir("principals"), "principals.json");
  writePrincipals(principals, [reader]);
  const app = await startTestApp({ principalsFile: principals });
  const asReader = clientAs(app, reader);
  const forger = clientAs(app, { ...reader, secretAccessKey: "not-the-secret-key" });
  try {
    const token = randomUUID();
    const created = await app.client.send(
      new CreateSecretCommand({ Name: "audited", SecretString: "AUDIT-CANARY-1", ClientRequestToken: token }),
    );
    await asReader.send(new GetSecretValueCommand({ SecretId: "audited" }));
    const refused = await sdkError(
      asReader.send(
        new PutSecretValueCommand({
          SecretId: "audited",
          SecretString: "AUDIT-CANARY-2",
          ClientRequestToken: randomUUID(),
        }),
      ),
    );
    assert.is(refused.name, "AccessDeniedException");
    const forged = await sdkError(forger.send(new GetSecretValueCommand({ SecretId: "audited" })));
    assert.is(forged.name, "InvalidSignatureException");
    await app.whenAudited();

    const records = recordsOf(await auditMessages(app.natsUrl, app.config.region));
    const summary = records.map((r) => [r.operation, r.principal, r.outcome]);
    const root = `arn:aws:iam::123456789012:root`;
    const readerArn = "arn:aws:iam::123456789012:user/reader";
    assert.equal(summary, [
      ["CreateSecret", root, "Success"],
      ["GetSecretValue", readerArn, "Success"],
      ["PutSecretValue", readerArn, "AccessDeniedException"],
      ["GetSecretValue", null, "InvalidSignatureException"],
    ]);
    const [create, read, refusal, failedSignature] = records;
    assert.equal(create?.secretArns, [created.ARN]);
    assert.equal(create?.versionIds, [token]);
    assert.equal(read?.versionIds, [token]);
    assert.is(read?.sourceIp.includes("127.0.0.1"), true);
    assert.match(read?.userAgent ?? "", /aws-sdk-js/);
    assert.equal(refusal?.secretArns, [created.ARN]);
    assert.is(failedSignature?.accessKeyId, reader.accessKeyId, "the key the forged request claimed");
    assert.equal(
      records.map((r) => r.n),
      [1, 2, 3, 4],
    );
    // The log's record of the write names the same request and caller: the audit and the log join on it.
    const nc = await connect({ servers: app.natsUrl });
    const logged = await (await jetstreamManager(nc)).streams.getMessage(streamName(app.config.region), { seq: 1 });
    await nc.drain();
    const command = logged?.json<{ requestId: string; principal?: string; command: string }>();
    assert.equal([command?.command, command?.requestId, command?.principal], ["CreateSecret", create?.requestId, root]);
    const everything = JSON.stringify(records);
    assert.not.match(everything, /AUDIT-CANARY/);
    assert.not.ok(everything.includes(reader.secretAccessKey));
    assert.not.match(everything, /Signature=/);

    // The command line shows them, one secret's only with --secret, and finds the chain intact.
    const tail = await auditCli(app, app.natsUrl, "tail", "--secret", "audited");
    assert.is(tail.code, 0);
    // The forged request is not trusted enough to say which secret it wanted: it is not among them.
    assert.is(tail.out.trim().split("\n").length, 3);
    assert.match(tail.out, /AccessDeniedException {2}PutSecretValue {2}arn:aws:iam::123456789012:user\/reader/);
    // --follow shows records as they come, until interrupted.
    const follow = spawn(process.execPath, [cliPath(), "audit", "tail", "--follow", "--secret", created.ARN ?? ""], {
      env: cliEnv(app),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let followed = "";
    follow.stdout.on("data", (chunk: Buffer) => (followed += chunk.toString()));
    const later = await asReader.send(new GetSecretValueCommand({ SecretId: "audited" }));
    const requestId = later.$metadata.requestId ?? "none";
    await within(
      15_000,
      "the followed record",
      new Promise<void>((resolve) => {
        const check = (): void => (followed.includes(requestId) ? resolve() : void follow.stdout.once("data", check));
        check();
      }),
    );
    follow.kill("SIGINT");
    assert.is(await within(10_000, "tail --follow to stop", new Promise((r) => follow.once("exit", r))), 0);
    assert.is(followed.trim().split("\n").length, 4, "the three earlier records of this secret, and the new one");
    const verified = await auditCli(app, app.natsUrl, "verify");
    assert.is(verified.code, 0);
    const messageCount = (await auditMessages(app.natsUrl, app.config.region)).length;
    assert.match(verified.out, `audit chain intact: 5 record(s) in ${messageCount} message(s)\nhead: 5:`);
  } finally {
    asReader.destroy();
    forger.destroy();
    await app.stop();
  }
});

Audit("a record altered or removed in a copy of the store is named by audit verify", async () => {
  const dir = tempDir("tamper");
  const nats = await startOwnNatsServer(dir);
  const region = freshRegion();
  const principals = join(tempDir("principals"), "principals.json");
  writePrincipals(principals, [reader]);
  const app = await startTestApp({ natsUrl: nats.url, region, principalsFile: principals });
  const asReader = clientAs(app, reader);
  try {
    await app.client.send(new CreateSecretCommand({ Name: "t", SecretString: "v", ClientRequestToken: randomUUID() }));
    for (let i = 0; i < 3; i++) await asReader.send(new GetSecretValueCommand({ SecretId: "t" }));
    await sdkError(asReader.send(new DeleteSecretCommand({ SecretId: "t" })));
    for (let i = 0; i < 3; i++) await asReader.send(new GetSecretValueCommand({ SecretId: "t" }));
    await app.whenAudited();
    const original = await auditMessages(nats.url, region);
    const records = recordsOf(original);
    const refusal = records.find((r) => r.outcome === "AccessDeniedException");
    const refusalSeq = original.find((m) => recordsOf([m]).some((r) => r.n === refusal?.n))?.seq;
    assert.ok(refusal !== undefined && refusalSeq !== undefined);
    const intact = await auditCli(app, nats.url, "verify");
    assert.is(intact.code, 0);
    const head = /^head: (\d+:[0-9a-f]{64})/m.exec(intact.out)?.[1] ?? "none";
    assert.is(head.split(":")[0], String(records.length));
    asReader.destroy();
    await app.stop();
    await nats.stop();

    // 1. In a copy of the store files, the refusal rewritten as a success (same length, so the file still parses).
    const altered = join(tempDir("altered"), "store");
    cpSync(join(dir, "store"), altered, { recursive: true });
    const blocks = join(altered, "jetstream", "$G", "streams", auditStreamName(region), "msgs");
    let changed = 0;
    for (const name of readdirSync(blocks).filter((f) => f.endsWith(".blk"))) {
      const bytes = readFileSync(join(blocks, name));
      const at = bytes.indexOf('"outcome":"AccessDeniedException"');
      if (at < 0) continue;
      bytes.write(`"outcome":"Success"${" ".repeat(14)}`, at, "latin1");
      writeFileSync(join(blocks, name), bytes);
      changed++;
    }
    assert.is(changed, 1);
    const onAltered = await startOwnNatsServer(join(altered, ".."));
    const alteredVerdict = await auditCli(app, onAltered.url, "verify");
    await onAltered.stop();
    assert.is(alteredVerdict.code, 1);
    assert.match(
      alteredVerdict.out,
      new RegExp(`^audit chain BROKEN at message ${refusalSeq}, record ${refusal?.n}: `),
    );

    // 2. A history rewritten through JetStream itself, on a fresh server: the refusal turned into a success,
    //    hashes kept (nats-server's own checksums are then right); then, instead, the refusal's message left out.
    const rewrite = async (
      change: (m: AuditMessage) => AuditMessage | undefined,
      ...options: string[]
    ): Promise<{ code: number; out: string }> => {
      const server = await startOwnNatsServer();
      const nc = await connect({ servers: server.url });
      await AuditStream.open(nc, region);
      const jsm = await jetstreamManager(nc);
      for (const m of original) {
        const kept = change(m);
        if (kept !== undefined) await jsm.jetstream().publish(`secret-ledger.${region}.audit`, kept.payload);
      }
      await nc.drain();
      const verdict = await auditCli(app, server.url, "verify", ...options);
      await server.stop();
      return verdict;
    };
    const forged = await rewrite((m) => {
      if (m.seq !== refusalSeq) return m;
      const text = Buffer.from(m.payload)
        .toString("utf8")
        .replace('"outcome":"AccessDeniedException"', '"outcome":"Success"');
      return { seq: m.seq, payload: Buffer.from(text) };
    });
    assert.is(forged.code, 1);
    assert.match(
      forged.out,
      `audit chain BROKEN at message ${refusalSeq}, record ${refusal?.n}: altered: its hash does not match its content`,
    );
    const removed = await rewrite((m) => (m.seq === refusalSeq ? undefined : m));
    assert.is(removed.code, 1);
    assert.match(
      removed.out,
      `audit chain BROKEN at message ${refusalSeq}, record ${refusal?.n}: record ${refusal?.n} missing`,
    );
    // 3. The end of the history cut off: the chain still links, but not to the head an earlier verify printed.
    const lastSeq = original[original.length - 1]?.seq;
    const cut = await rewrite((m) => (m.seq === lastSeq ? undefined : m));
    assert.is(cut.code, 0, "a chain cut at its end links: only an anchor kept elsewhere shows the cut");
    const anchored = await rewrite((m) => (m.seq === lastSeq ? undefined : m), "--anchor", head);
    assert.is(anchored.code, 1);
    assert.match(anchored.out, /before the anchored record \d+: records were removed from its end/);
  } finally {
    await nats.stop();
  }
});

Audit(
  "when the audit cannot be written, secret values are withheld (fail closed) unless configured otherwise",
  async () => {
    for (const failClosed of [true, false]) {
      const app = await startTestApp({ auditFailClosed: failClosed });
      try {
        await app.client.send(
          new CreateSecretCommand({ Name: "fc", SecretString: "value", ClientRequestToken: randomUUID() }),
        );
        await app.whenAudited();
        // The audit stream goes away (an operator's mistake, a broken store): records can no longer be written.
        const nc = await connect({ servers: app.natsUrl });
        await (await jetstreamManager(nc)).streams.delete(auditStreamName(app.config.region));
        await nc.drain();
        const read = app.client.send(new GetSecretValueCommand({ SecretId: "fc" }));
        if (failClosed) {
          const withheld = await sdkError(read);
          assert.equal([withheld.name, withheld.status], ["InternalServiceError", 500]);
        } else assert.is((await read).SecretString, "value");
        // Metadata is still served: only values wait for their record.
        assert.is((await app.client.send(new DescribeSecretCommand({ SecretId: "fc" }))).Name, "fc");
        await app.whenAudited();
        assert.ok(
          app.logged.some((l) => typeof l["msg"] === "string" && l["msg"].startsWith("audit record not written")),
        );
      } finally {
        await app.stop();
      }
    }
  },
);

Audit.run();
