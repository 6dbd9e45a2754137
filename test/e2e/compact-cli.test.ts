import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CreateSecretCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../src/store/nats-server.js";
import { startTestApp } from "../support/app.js";
import { freshRegion, sharedNatsUrl, tempDir, within } from "../support/nats.js";

const run = promisify(execFile);

const CompactCli = suite("secret-ledger compact");

CompactCli("prunes from the command line, after a dry run that changes nothing", async () => {
  const region = freshRegion();
  // The versions are written with a clock a month back, so they are well past 24 hours for the command.
  const app = await startTestApp({ region, clock: () => Date.now() - 30 * 24 * 60 * 60 * 1000 });
  try {
    await app.client.send(
      new CreateSecretCommand({ Name: "cli/big", SecretString: "v0", ClientRequestToken: randomUUID() }),
    );
    for (let i = 1; i < 120; i++)
      await app.client.send(
        new PutSecretValueCommand({ SecretId: "cli/big", SecretString: `v${i}`, ClientRequestToken: randomUUID() }),
      );
    const env = {
      PATH: process.env["PATH"] ?? "",
      NATS_URL: sharedNatsUrl(),
      SECRET_LEDGER_REGION: region,
      SECRET_LEDGER_DATA: tempDir("compact-cli"),
      SECRET_LEDGER_KEYRING: app.config.keyringFile,
      SECRET_LEDGER_ACCESS_KEY_ID: "AKIDCOMPACTCLI000000",
      SECRET_LEDGER_SECRET_ACCESS_KEY: "unused",
    };
    const cli = join(projectRoot(), "dist", "src", "cli.js");
    const seq = await app.log.lastSeq();
    const dry = await run(process.execPath, [cli, "compact", "--dry-run"], { env });
    assert.is(dry.stdout, "would prune 20 version(s) of 1 secret(s)\n");
    assert.is(await app.log.lastSeq(), seq);
    const real = await run(process.execPath, [cli, "compact"], { env });
    assert.is(real.stdout, "pruned 20 version(s) of 1 secret(s)\n");
    await within(10_000, "the service sees the pruning", app.catalog.whenCaughtUp(seq + 1));
    const state = app.catalog.entry("cli/big").state;
    assert.is(state.status === "active" ? state.versions.size : -1, 100);
    const again = await run(process.execPath, [cli, "compact"], { env });
    assert.is(again.stdout, "pruned 0 version(s) of 0 secret(s)\n");
    const usage = await run(process.execPath, [cli, "compress"], { env }).then(
      () => "",
      (e: { stderr: string; code: number }) => `${e.code}: ${e.stderr}`,
    );
    assert.match(usage, /^2: usage: secret-ledger compact \[--dry-run\]\n/);
  } finally {
    await app.stop();
  }
});

CompactCli.run();
