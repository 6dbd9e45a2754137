import { suite } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { InvocationOutcome, RotationEvent } from "../../src/application/ports.js";
import { execFunction } from "../../src/rotation/exec-function.js";
import { BUILTIN_FUNCTION, functionArn, readFunctionsFile } from "../../src/rotation/functions-file.js";
import type { FunctionEnvironment } from "../../src/rotation/function-specs.js";
import { httpFunction } from "../../src/rotation/http-function.js";
import { tempDir } from "../support/nats.js";

// The ways a function runs, without the service: what counts as success, as a failure (and which words of it
// are kept), a timeout, a stop; what a process is given of the service's environment.

const home = { partition: "aws", region: "us-east-1", account: "123456789012" };
const env: FunctionEnvironment = {
  home,
  endpoint: () => "http://127.0.0.1:1",
  credentialsOf: (role) =>
    role === undefined ? { accessKeyId: "AKIDROOT", secretAccessKey: "root-secret" } : undefined,
};
const EVENT: RotationEvent = { Step: "createSecret", SecretId: "arn:x", ClientRequestToken: "t".repeat(32) };
const running = () => new AbortController().signal;

const node = (code: string) => ({ type: "exec" as const, command: [process.execPath, "-e", code] });

const Functions = suite("rotation functions");

Functions(
  "exec: exit 0 succeeds; another exit code, a timeout, a stop fail with words that hold no value",
  async () => {
    const invoke = (code: string, timeoutMs = 10_000, stop = running()): Promise<InvocationOutcome> =>
      execFunction("f", node(code), timeoutMs, env).invoke(EVENT, stop);
    assert.equal(await invoke("process.stdin.resume(); process.stdin.on('end', () => process.exit(0))"), { ok: true });
    assert.equal(await invoke("console.log('SECRET-VALUE'); process.exit(3)"), { ok: false, reason: "exit code 3" });
    assert.equal(await invoke("setTimeout(() => {}, 60000)", 200), { ok: false, reason: "timed out after 0.2 s" });
    const stop = new AbortController();
    const stopped = invoke("setTimeout(() => {}, 60000)", 60_000, stop.signal);
    stop.abort();
    assert.equal(await stopped, { ok: false, reason: "the service stopped", stopped: true });
    assert.equal(
      await execFunction("f", { type: "exec", command: ["/nonexistent/program"] }, 1000, env).invoke(EVENT, running()),
      { ok: false, reason: "/nonexistent/program could not be started" },
    );
  },
);

Functions(
  "exec: the event on stdin; the region, endpoint and role's key in the environment, nothing else of the service's",
  async () => {
    const dir = tempDir("exec-env");
    const out = join(dir, "seen.json");
    process.env["SECRET_LEDGER_SECRET_ACCESS_KEY"] = "the-service-own-secret";
    try {
      const code = `let s = ""; process.stdin.on("data", (c) => (s += c)); process.stdin.on("end", () => {
      require("node:fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify({ event: JSON.parse(s), env: process.env }));
    });`;
      const outcome = await execFunction("f", { ...node(code), environment: { EXTRA: "1" } }, 10_000, env).invoke(
        EVENT,
        running(),
      );
      assert.equal(outcome, { ok: true });
    } finally {
      delete process.env["SECRET_LEDGER_SECRET_ACCESS_KEY"];
    }
    const seen = JSON.parse(readFileSync(out, "utf8")) as { event: unknown; env: Record<string, string> };
    assert.equal(seen.event, EVENT);
    assert.is(seen.env["AWS_ACCESS_KEY_ID"], "AKIDROOT");
    assert.is(seen.env["AWS_REGION"], "us-east-1");
    assert.is(seen.env["SECRETS_MANAGER_ENDPOINT"], "http://127.0.0.1:1");
    assert.is(seen.env["AWS_ENDPOINT_URL_SECRETS_MANAGER"], "http://127.0.0.1:1");
    assert.is(seen.env["EXTRA"], "1");
    assert.not.ok(
      Object.keys(seen.env).some(
        (k) =>
          k.startsWith("SECRET_LEDGER_") &&
          k !== "SECRET_LEDGER_TIMEOUT_SECONDS" &&
          k !== "SECRET_LEDGER_INVOCATION_ID",
      ),
    );
    // A role that is not in the principals file: the step fails without running anything.
    assert.equal(
      await execFunction("f", { ...node("process.exit(0)"), role: "nobody" }, 1000, env).invoke(EVENT, running()),
      {
        ok: false,
        reason: "the function's role nobody is not in the principals file",
      },
    );
  },
);

Functions("the runners: a Python and a Node handler that raise report their error's type only", async () => {
  const dir = tempDir("runners");
  writeFileSync(join(dir, "bad.py"), "def handler(event, context):\n    raise KeyError('SECRET-VALUE')\n");
  writeFileSync(join(dir, "bad.mjs"), "export const handler = async () => { throw new TypeError('SECRET-VALUE'); };\n");
  writeFileSync(
    join(dir, "good.py"),
    "def handler(event, context):\n    assert context.get_remaining_time_in_millis() > 0\n    assert event['Step'] == 'createSecret'\n",
  );
  const run = (runtime: "python3" | "node", handler: string) =>
    execFunction("f", { type: "exec", runtime, handler, codeDir: dir }, 20_000, env).invoke(EVENT, running());
  assert.equal(await run("python3", "bad.handler"), { ok: false, reason: "KeyError" });
  assert.equal(await run("node", "bad.handler"), { ok: false, reason: "TypeError" });
  assert.equal(await run("python3", "good.handler"), { ok: true });
  assert.equal(await run("node", "missing.handler"), { ok: false, reason: "Runtime.ImportModuleError" });
});

Functions("http: a 2xx answer succeeds; Lambda's error answer, another status, no server, a timeout fail", async () => {
  let answer: RequestListener = (_req, res) => res.end("null");
  const server = createServer((req, res) => answer(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/2015-03-31/functions/function/invocations`;
  try {
    const invoke = (timeoutMs = 10_000) => httpFunction("f", url, timeoutMs).invoke(EVENT, running());
    assert.equal(await invoke(), { ok: true });
    answer = (_req, res) =>
      res
        .writeHead(200, { "x-amz-function-error": "Unhandled" })
        .end(JSON.stringify({ errorType: "ValueError", errorMessage: "SECRET-VALUE" }));
    assert.equal(await invoke(), { ok: false, reason: "ValueError" });
    answer = (_req, res) => res.writeHead(502).end("bad gateway");
    assert.equal(await invoke(), { ok: false, reason: "HTTP 502" });
    answer = () => undefined;
    assert.equal(await invoke(200), { ok: false, reason: "timed out after 0.2 s" });
  } finally {
    server.closeAllConnections();
    server.close();
  }
  assert.equal(await httpFunction("f", url, 1000).invoke(EVENT, running()), {
    ok: false,
    reason: "the function's URL can't be reached",
  });
});

Functions(
  "the functions file: a function by its ARN in this region and account only; the built-in one by default",
  () => {
    const dir = tempDir("functions-file");
    const path = join(dir, "functions.json");
    writeFileSync(path, JSON.stringify({ functions: { mine: { type: "http", url: "http://127.0.0.1:1/" } } }), {
      mode: 0o600,
    });
    const functions = readFunctionsFile(path, env);
    assert.is(functions.find(functionArn(home, "mine"))?.name, "mine");
    assert.is(functions.find(functionArn(home, BUILTIN_FUNCTION))?.name, BUILTIN_FUNCTION);
    assert.is(functions.find(functionArn(home, "other")), undefined);
    assert.is(functions.find(functionArn({ ...home, region: "eu-west-1" }, "mine")), undefined);
    assert.is(functions.find(functionArn({ ...home, account: "999999999999" }, "mine")), undefined);
    assert.is(functions.find("arn:aws:lambda:us-east-1:123456789012:function:mine:alias"), undefined);
    chmodSync(path, 0o644);
    assert.throws(() => readFunctionsFile(path, env), /readable by others/);
  },
);

Functions.run();
