import { suite } from "uvu";
import * as assert from "uvu/assert";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { residentMiB } from "../../bench/processes.js";
import { operationNames } from "../../src/api/model.js";
import serviceModel from "../../src/api/model/secretsmanager-2017-10-17.json" with { type: "json" };
import { AwsJsonClient } from "../../src/client/aws-json-client.js";
import { keyStreamName, streamName } from "../../src/store/subjects.js";
import { TEST_CREDENTIALS } from "../support/app.js";
import { sharedNatsUrl } from "../support/nats.js";
import { seededRandom } from "../support/random.js";
import { startServiceProcess } from "../support/service-process.js";

// Fuzzing the edge: 10,000 malformed requests (SECRET_LEDGER_FUZZ_REQUESTS for more), each with a defect AWS
// refuses, against the service in a process of its own. Every one gets a 4xx with an AWS error type; none a
// 5xx; the process lives; nothing in the log or the key store changes; its memory stays steady.

const REQUESTS = Number(process.env["SECRET_LEDGER_FUZZ_REQUESTS"] ?? 10_000);
const IN_FLIGHT = 16;
const WARM_UP = 1000;
/** Resident memory may grow this much from after the warm-up to the end (a leak of 10 KB a request would not). */
const MEMORY_GROWTH_MIB = 64;

type Shape = { type: string; members?: Record<string, { shape: string }> };
const shapes = serviceModel.shapes as unknown as Record<string, Shape>;
const operations = serviceModel.operations as unknown as Record<string, { input?: { shape: string } }>;
/** Each operation's input members, with the JSON type each must have. */
const inputMembers = (op: string): Array<[string, string]> => {
  const input = shapes[operations[op]?.input?.shape ?? ""];
  return Object.entries(input?.members ?? {}).map(([name, m]) => [name, shapes[m.shape]?.type ?? "string"]);
};

const { below: random, pick } = seededRandom(2026);

/** A value of any JSON type but `type`'s. */
const wrongTypeFor = (type: string): unknown => {
  const wrong: unknown[] = [];
  if (type !== "string" && type !== "blob" && type !== "timestamp") wrong.push("a string", "");
  if (!["integer", "long", "timestamp"].includes(type)) wrong.push(42, -1.5);
  if (type !== "boolean") wrong.push(true);
  if (type !== "list") wrong.push(["x", 1]);
  if (type !== "structure" && type !== "map") wrong.push({ nested: { deeper: [] } });
  return pick(wrong);
};

type Case = { kind: string; send: (c: Clients) => ReturnType<AwsJsonClient["send"]> };
type Clients = { good: AwsJsonClient; badKey: AwsJsonClient; skewed: AwsJsonClient };

const target = (op: string): string => `secretsmanager.${op}`;

const makeCase = (): Case => {
  const op = pick(operationNames);
  const members = inputMembers(op);
  switch (random(11)) {
    case 0: {
      // A prefix of an object cut before its end, and a character that cannot continue it.
      const text = JSON.stringify({ SecretId: "x", Pad: "y".repeat(random(50)) });
      return {
        kind: "broken JSON",
        send: (c) =>
          c.good.send(target(op), text.slice(0, 1 + random(text.length - 2)) + pick(["{", "]", "\u0000", ","])),
      };
    }
    case 1: {
      if (members.length === 0) return makeCase();
      const [name, type] = pick(members);
      return { kind: "wrong type", send: (c) => c.good.send(target(op), { [name]: wrongTypeFor(type) }) };
    }
    case 2: {
      const bytes = Buffer.concat([
        Buffer.from('{"SecretId":"'),
        Buffer.from([pick([0xff, 0xc3, 0xe2, 0x80]), 0x28, 0xfe]),
        Buffer.from('"}'),
      ]);
      return { kind: "invalid UTF-8", send: (c) => c.good.send(target(op), bytes) };
    }
    case 3:
      return { kind: "unsigned", send: (c) => c.good.send(target(op), { SecretId: "x" }, { sign: false }) };
    case 4:
      return { kind: "wrong signature", send: (c) => c.badKey.send(target(op), { SecretId: "x" }) };
    case 5:
      return { kind: "signed an hour ago", send: (c) => c.skewed.send(target(op), { SecretId: "x" }) };
    case 6:
      return {
        kind: "unknown target",
        send: (c) =>
          c.good.send(pick([`secretsmanager.No${random(1e6)}`, `kms.${op}`, "", "secretsmanager."]) || undefined, {}),
      };
    case 7: {
      // Thousands of fields, and one of the operation's own members of the wrong type.
      const body: Record<string, unknown> = {};
      for (let i = 0; i < 2000 + random(3000); i++) body[`f${i}`] = i;
      const [name, type] = members.length === 0 ? ["SecretId", "string"] : pick(members);
      body[name] = wrongTypeFor(type);
      return { kind: "many fields", send: (c) => c.good.send(target(op), body) };
    }
    case 8:
      return random(20) === 0
        ? { kind: "oversize body", send: (c) => c.good.send(target(op), `{"SecretId":"${"z".repeat(1100 * 1024)}"}`) }
        : {
            kind: "oversize headers",
            send: (c) => c.good.send(target(op), {}, { headers: { "x-pad": "p".repeat(17 * 1024) } }),
          };
    case 9: {
      // Another method, or another path (names every JavaScript object has among them).
      const method = pick(["GET", "PUT", "DELETE", "PATCH", "POST"]);
      const path = pick(["/", "/constructor", "/__proto__", "/toString", "/x?SecretId=y", "//", "/%ff"]);
      return {
        kind: "other method or path",
        send: (c) => c.good.send(target(op), { SecretId: "x" }, { method, path }),
      };
    }
    default: {
      const deep = "[".repeat(5000 + random(5000));
      return { kind: "deep nesting", send: (c) => c.good.send(target(op), deep) };
    }
  }
};

const Fuzz = suite("fuzzing the edge");

Fuzz(
  `${REQUESTS} malformed requests: all 4xx with an AWS error type, no 5xx, no crash, no change, memory steady`,
  async () => {
    const service = await startServiceProcess({ SECRET_LEDGER_LOG_REQUESTS: "0" });
    let crashed: number | null | undefined;
    void service.exited.then((code) => (crashed = code));
    const clients: Clients = {
      good: new AwsJsonClient(service.endpoint, TEST_CREDENTIALS, service.region),
      badKey: new AwsJsonClient(
        service.endpoint,
        { ...TEST_CREDENTIALS, secretAccessKey: "not-the-key" },
        service.region,
      ),
      skewed: new AwsJsonClient(service.endpoint, TEST_CREDENTIALS, service.region, () => Date.now() - 60 * 60 * 1000),
    };
    const nc = await connect({ servers: sharedNatsUrl() });
    try {
      const created = await clients.good.send(target("CreateSecret"), {
        Name: "x",
        SecretString: "canary",
        ClientRequestToken: randomUUID(),
      });
      assert.is(created.status, 200, created.body);
      const jsm = await jetstreamManager(nc);
      const positions = async () => ({
        log: (await jsm.streams.info(streamName(service.region))).state.last_seq,
        keys: (await jsm.streams.info(keyStreamName(service.region))).state.last_seq,
      });
      const before = await positions();

      const byKind = new Map<string, Map<number | string, number>>();
      const problems: string[] = [];
      let sent = 0;
      let warmMiB: number | undefined;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (sent < REQUESTS && crashed === undefined) {
            const n = ++sent;
            const c = makeCase();
            const r = await c.send(clients).catch((e: unknown) => {
              // The server answers an oversize request at once and closes: the client may still be writing it.
              // (That the answer is a 413 or 431 with an AWS error type, limits.test.ts shows on a raw socket.)
              const code = (e as { code?: string }).code ?? "";
              if (c.kind.startsWith("oversize") && (code === "EPIPE" || code === "ECONNRESET")) return code;
              throw e;
            });
            const status = typeof r === "string" ? r : r.status;
            const counts = byKind.get(c.kind) ?? new Map<number | string, number>();
            counts.set(status, (counts.get(status) ?? 0) + 1);
            byKind.set(c.kind, counts);
            if (typeof r !== "string" && (r.status < 400 || r.status >= 500 || typeof r.json["__type"] !== "string"))
              problems.push(`${c.kind}: ${r.status} ${r.body.slice(0, 120)}`);
            if (n === WARM_UP) warmMiB = residentMiB(service.process.pid);
          }
        }),
      );
      const endMiB = residentMiB(service.process.pid);
      const summary = [...byKind].map(([k, m]) => `${k}: ${[...m].map(([s, n]) => `${n}×${s}`).join(" ")}`).join("; ");
      assert.is(crashed, undefined, "the service process ended");
      assert.equal(problems.slice(0, 10), [], summary);
      assert.is(sent, REQUESTS);
      assert.equal(await positions(), before, "the log or the key store changed");
      assert.ok(
        warmMiB !== undefined && endMiB !== undefined && endMiB - warmMiB < MEMORY_GROWTH_MIB,
        `resident ${String(warmMiB)} MiB after ${WARM_UP}, ${String(endMiB)} MiB after ${REQUESTS}`,
      );
      // Still serving.
      const got = await clients.good.send(target("GetSecretValue"), { SecretId: "x" });
      assert.equal([got.status, got.json["SecretString"]], [200, "canary"]);
      process.stdout.write(`\n  fuzz: ${summary}; resident ${warmMiB?.toFixed(0)} → ${endMiB?.toFixed(0)} MiB\n`);
    } finally {
      for (const c of Object.values(clients)) c.close();
      await nc.drain();
      service.process.kill("SIGTERM");
      await service.exited;
    }
  },
);

Fuzz.run();
