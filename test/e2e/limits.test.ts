import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CreateSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { startTestApp, type TestApp } from "../support/app.js";
import { rawRequest } from "../support/raw.js";
import { sdkError } from "../support/sdk.js";
import { within } from "../support/nats.js";
import { told } from "../support/hooks.js";

// What a client may hold the server (connections, header/request/idle times, sizes), and the unsigned probes
// beside the API: /healthz, /readyz and Prometheus /metrics.

const LIMITS = { maxConnections: 6, headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 1000 };

/** A TCP connection to the app: what it sends is written as is; `closed` resolves with all it received. */
const rawConnection = (app: TestApp): Promise<{ socket: Socket; closed: Promise<string> }> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(app.endpoint);
    const socket = connect(Number(port), hostname);
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
    const closed = new Promise<string>((done) => socket.on("close", () => done(received)));
    socket.once("error", () => undefined);
    socket.once("connect", () => resolve({ socket, closed }));
    socket.once("error", reject);
  });

/** One whole HTTP/1.1 request on a kept-alive connection: resolves with the response's first line. */
const exchange = (socket: Socket, path: string): Promise<string> =>
  new Promise((resolve) => {
    socket.once("data", (chunk: Buffer) => resolve(chunk.toString("utf8").split("\r\n")[0] ?? ""));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });

const Limits = suite<{ app: TestApp }>("limits and probes");
Limits.before(
  told(async (ctx) => {
    ctx.app = await startTestApp({ http: LIMITS });
  }),
);
Limits.after(told(async ({ app }) => app.stop()));

Limits("a client that never finishes its headers gets 408 RequestTimeout and is cut off", async ({ app }) => {
  const { socket, closed } = await rawConnection(app);
  socket.write("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: secretsmanager.ListSecrets\r\n");
  const received = await within(10_000, "the slow client cut off", closed);
  assert.match(received, /^HTTP\/1\.1 408 /);
  assert.match(received, /"__type":"RequestTimeout"/);
});

Limits("a connection that never sends anything is closed", async ({ app }) => {
  const { closed } = await rawConnection(app);
  await within(10_000, "the silent connection closed", closed);
});

Limits(
  "GET of a bare name every object has (constructor) is refused with an AWS-style 4xx, not a crash",
  async ({ app }) => {
    for (const name of ["constructor", "__proto__", "toString"]) {
      const { socket, closed } = await rawConnection(app);
      socket.end(`GET ${name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.match(await within(10_000, `GET ${name} answered`, closed), /^HTTP\/1\.1 4\d\d [^]*"__type":/);
    }
    assert.is((await fetch(`${app.endpoint}/healthz`)).status, 200);
  },
);

Limits("a client that sends its body too slowly gets 408 and is cut off", async ({ app }) => {
  const { socket, closed } = await rawConnection(app);
  socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"Secret');
  const received = await within(10_000, "the slow body cut off", closed);
  assert.match(received, /^HTTP\/1\.1 408 /);
});

Limits(
  "headers over 16 KiB get 431 with an AWS-style body; a declared body over 1 MiB 413, unread",
  async ({ app }) => {
    const big = await rawConnection(app);
    big.socket.write(`POST / HTTP/1.1\r\nHost: x\r\nX-Pad: ${"p".repeat(20_000)}\r\n\r\n`);
    const headers = await within(10_000, "oversized headers answered", big.closed);
    assert.match(headers, /^HTTP\/1\.1 431 /);
    assert.match(headers, /"__type":"RequestHeaderFieldsTooLarge"/);

    const declared = await rawConnection(app);
    declared.socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n{");
    const body = await within(10_000, "a declared oversized body answered", declared.closed);
    assert.match(body, /^HTTP\/1\.1 413 /);
    assert.match(body, /"__type":"SerializationException"/);
  },
);

Limits("an idle kept-alive connection is closed; beyond the connection cap, new ones are refused", async ({ app }) => {
  const idle = await rawConnection(app);
  assert.match(await exchange(idle.socket, "/healthz"), / 200 /);
  await within(10_000, "the idle connection closed", idle.closed);

  // As many connections as the cap, each shown to be accepted by a request answered on it.
  const held = await Promise.all(Array.from({ length: LIMITS.maxConnections }, () => rawConnection(app)));
  for (const c of held) assert.match(await exchange(c.socket, "/healthz"), / 200 /);
  const refused = await rawConnection(app);
  assert.is(await within(10_000, "the connection over the cap closed", refused.closed), "");
  for (const c of held) c.socket.destroy();
  await Promise.all(held.map((c) => c.closed));
  // Room again: the SDK gets its answer.
  await app.client.send(new CreateSecretCommand({ Name: "room", SecretString: "x", ClientRequestToken: randomUUID() }));
});

Limits(
  "/healthz, /readyz and /metrics answer, unsigned; metrics count requests and never show a value",
  async ({ app }) => {
    const canary = `canary-${randomUUID()}`;
    await app.client.send(
      new CreateSecretCommand({ Name: "metered", SecretString: canary, ClientRequestToken: randomUUID() }),
    );
    assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "metered" }))).SecretString, canary);
    assert.is(
      (await sdkError(app.client.send(new GetSecretValueCommand({ SecretId: "absent" })))).name,
      "ResourceNotFoundException",
    );
    const raw = rawRequest(app);
    await raw.send("secretsmanager.NoSuchThing", "{}");
    raw.close();

    const healthz = await fetch(`${app.endpoint}/healthz`);
    assert.is(healthz.status, 200);
    const readyz = await fetch(`${app.endpoint}/readyz`);
    assert.is(readyz.status, 200);
    const ready = (await readyz.json()) as Record<string, unknown>;
    assert.is(ready["ready"], true);
    assert.is(ready["nats"], true);
    assert.is(ready["logPosition"], ready["logEnd"]);

    const metrics = await fetch(`${app.endpoint}/metrics`);
    assert.is(metrics.status, 200);
    assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain/);
    const text = await metrics.text();
    const value = (line: RegExp): number => Number(new RegExp(`^${line.source} (\\S+)$`, "m").exec(text)?.[1]);
    assert.ok(value(/secret_ledger_requests_total\{operation="CreateSecret",outcome="Success"\}/) >= 1, text);
    assert.ok(value(/secret_ledger_requests_total\{operation="GetSecretValue",outcome="Success"\}/) >= 1);
    assert.ok(
      value(/secret_ledger_requests_total\{operation="GetSecretValue",outcome="ResourceNotFoundException"\}/) >= 1,
    );
    // An unknown target does not become a label of its own.
    assert.ok(value(/secret_ledger_requests_total\{operation="unknown",outcome="UnknownOperationException"\}/) >= 1);
    assert.not.match(text, /NoSuchThing/);
    assert.ok(
      value(/secret_ledger_request_duration_seconds_count\{operation="GetSecretValue",outcome="Success"\}/) >= 1,
    );
    assert.ok(value(/secret_ledger_log_position/) >= 1);
    assert.is(value(/secret_ledger_log_end/), value(/secret_ledger_log_position/));
    assert.is(value(/secret_ledger_projection_lag/), 0);
    assert.is(value(/secret_ledger_nats_connected/), 1);
    assert.is(value(/secret_ledger_audit_spooled_records/), 0);
    assert.ok(value(/secret_ledger_process_resident_memory_bytes/) > 0);
    assert.not.ok(text.includes(canary), "a secret value in the metrics");
  },
);

Limits.run();
