import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CreateSecretCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { startTestApp } from "../support/app.js";
import { secretLedger } from "../support/cli.js";
import { freshRegion, within } from "../support/nats.js";

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
    // The command starts the service's parts for the while: with credentials of its own, on the same log.
    const env = { SECRET_LEDGER_ACCESS_KEY_ID: "AKIDCOMPACTCLI000000", SECRET_LEDGER_SECRET_ACCESS_KEY: "unused" };
    const seq = await app.log.lastSeq();
    const dry = await secretLedger(app, ["compact", "--dry-run"], env);
    assert.is(dry.out, "would prune 20 version(s) of 1 secret(s)\n");
    assert.is(await app.log.lastSeq(), seq);
    const real = await secretLedger(app, ["compact"], env);
    assert.is(real.out, "pruned 20 version(s) of 1 secret(s)\n");
    await within(10_000, "the service sees the pruning", app.catalog.whenCaughtUp(seq + 1));
    const state = app.catalog.entry("cli/big").state;
    assert.is(state.status === "active" ? state.versions.size : -1, 100);
    const again = await secretLedger(app, ["compact"], env);
    assert.is(again.out, "pruned 0 version(s) of 0 secret(s)\n");
    const usage = await secretLedger(app, ["compress"], env);
    assert.match(`${usage.code}: ${usage.err}`, /^2: usage: secret-ledger <command>/);
    assert.match(usage.err, "secret-ledger compact [--dry-run]");
  } finally {
    await app.stop();
  }
});

CompactCli.run();
