import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { serviceFilePath } from "../../src/service-file.js";
import { projectRoot } from "../../src/store/nats-server.js";
import { within } from "../support/nats.js";
import { startServiceProcess } from "../support/service-process.js";

// The command line beside a running service, as a newcomer runs it from a second shell: the launcher at the
// project's root, nothing exported but the data directory's place (and here the region and account the service
// runs with); every command finds the service by itself, and once it stops, reads the store by itself.

const run = promisify(execFile);

const Discovery = suite("the command line finds the running service");

Discovery("history, audit, state, replay and compact work beside the running service with no setup", async () => {
  // The service as `npm start` runs it: its own nats-server from nats.conf, credentials made and kept in data/.
  const service = await startServiceProcess({
    NATS_URL: "",
    SECRET_LEDGER_ACCESS_KEY_ID: "",
    SECRET_LEDGER_SECRET_ACCESS_KEY: "",
  });
  const env = {
    PATH: process.env["PATH"] ?? "",
    SECRET_LEDGER_DATA: service.dataDir,
    SECRET_LEDGER_REGION: service.region,
    SECRET_LEDGER_ACCOUNT: "123456789012",
  };
  const cli = async (...args: string[]): Promise<string> => {
    const done = await run(join(projectRoot(), "secret-ledger"), args, { env, timeout: 60_000 });
    return done.stdout;
  };
  const credentials = JSON.parse(readFileSync(join(service.dataDir, "credentials.json"), "utf8")) as {
    accessKeyId: string;
    secretAccessKey: string;
  };
  const client = new SecretsManagerClient({ endpoint: service.endpoint, region: service.region, credentials });
  let stopped = false;
  try {
    const first = randomUUID();
    const created = await client.send(
      new CreateSecretCommand({ Name: "prod/db", SecretString: "CANARY-cli-discovery", ClientRequestToken: first }),
    );
    const second = randomUUID();
    await client.send(
      new PutSecretValueCommand({ SecretId: "prod/db", SecretString: "v2", ClientRequestToken: second }),
    );
    await client.send(new GetSecretValueCommand({ SecretId: "prod/db" }));
    const info = JSON.parse(readFileSync(serviceFilePath(service.dataDir), "utf8")) as Record<string, unknown>;
    assert.is(info["endpoint"], service.endpoint);

    const history = await cli("history", "prod/db");
    assert.match(history, `version ${second} created (string)`);
    assert.match(history, `AWSCURRENT moved from ${first} to ${second}`);
    const tail = await cli("audit", "tail", "--secret", "prod/db");
    for (const op of ["CreateSecret", "PutSecretValue", "GetSecretValue"]) assert.match(tail, op);
    assert.match(await cli("audit", "verify"), "audit chain intact");
    const state = JSON.parse(await cli("state", "--at", "2", "--secret", "prod/db", "--json")) as {
      secrets: Array<{ versions: Array<{ versionId: string; stages: string[] }> }>;
    };
    assert.equal(
      state.secrets[0]?.versions.map((v) => [v.versionId, v.stages]),
      [
        [second, ["AWSCURRENT"]],
        [first, ["AWSPREVIOUS"]],
      ],
    );
    assert.match(await cli("compact", "--dry-run"), "would prune 0 version(s)");
    assert.match(await cli("replay", "--verify", "--live"), '"agree": true');
    // A value leaves only through the service, signed (here with the bootstrap credentials of the data directory).
    const revealed = await cli("state", "--at", "1", "--secret", "prod/db", "--reveal");
    assert.match(revealed, "CANARY-cli-discovery");
    assert.not.match(history + tail, "CANARY");
    // --nats wins over what the data directory says.
    const refused = await run(
      join(projectRoot(), "secret-ledger"),
      ["history", "prod/db", "--nats", "nats://127.0.0.1:1"],
      {
        env,
        timeout: 60_000,
      },
    ).then(
      () => 0,
      (e: { code: number }) => e.code,
    );
    assert.ok(refused !== 0, "a --nats that answers nothing fails");

    service.process.kill("SIGTERM");
    assert.is(await within(30_000, "the service to stop", service.exited), 0);
    stopped = true;
    assert.not.ok(existsSync(serviceFilePath(service.dataDir)), "a stopped service leaves no service.json");
    // Stopped: the command line starts the data directory's nats-server for the while, and reads the same log.
    assert.match(await cli("history", "prod/db"), `AWSCURRENT moved from ${first} to ${second}`);
    assert.is(created.Name, "prod/db");
  } finally {
    client.destroy();
    if (!stopped) service.process.kill("SIGKILL");
  }
});

Discovery.run();
