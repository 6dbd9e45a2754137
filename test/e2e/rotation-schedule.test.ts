import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DescribeSecretCommand, RotateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { startTestApp, sharedKeyring } from "../support/app.js";
import { awsCli, awsCliUnavailable } from "../support/aws-cli.js";
import { freshRegion } from "../support/nats.js";
import {
  DAY,
  ROTATION,
  createJsonSecret,
  describe,
  historyOf,
  lambdaArn,
  workDir,
  writeFunctions,
  rotationApp,
} from "../support/rotation.js";

const Rotation = suite("rotation: schedules");

Rotation("due schedules on an injected clock: days, rate() and cron(), each started once in its window", async () => {
  let now = Date.UTC(2026, 11, 7, 9, 30); // a Monday
  const { app } = await rotationApp(() => ({ builtin: { type: "builtin" } }), { clock: () => now });
  try {
    const schedules: Array<[string, { AutomaticallyAfterDays?: number; ScheduleExpression?: string }, number]> = [
      ["rate", { ScheduleExpression: "rate(12 hours)" }, Date.UTC(2026, 11, 7, 12)],
      ["cron", { ScheduleExpression: "cron(0 14 ? * MON *)" }, Date.UTC(2026, 11, 7, 14)],
      ["days", { AutomaticallyAfterDays: 2 }, Date.UTC(2026, 11, 9)],
    ];
    for (const [name, rules] of schedules) {
      await createJsonSecret(app, `scheduled/${name}`);
      await app.client.send(
        new RotateSecretCommand({
          SecretId: `scheduled/${name}`,
          RotationLambdaARN: lambdaArn(app, "builtin"),
          RotationRules: rules,
          RotateImmediately: false,
        }),
      );
    }
    await app.whenRotationsIdle();
    for (const [name, , start] of schedules) {
      const next = (await describe(app, `scheduled/${name}`)).NextRotationDate?.getTime() ?? 0;
      assert.ok(next > start && next < start + DAY, `${name}: NextRotationDate ends the window opening at ${start}`);
    }
    const rotatedAt = async (name: string) => (await describe(app, `scheduled/${name}`)).LastRotatedDate?.getTime();
    const tick = async () => {
      await app.rotateDue();
      await app.whenRotationsIdle();
    };
    for (const [name, , start] of schedules) {
      now = start - 1;
      await tick();
      assert.is(await rotatedAt(name), undefined, `${name}: not before its window`);
      now = start;
      await tick();
      assert.is(await rotatedAt(name), start, `${name}: rotated when its window opens`);
      now = start + 60_000;
      await tick();
      assert.is(await rotatedAt(name), start, `${name}: once in its window`);
      if (name === "rate")
        assert.is(
          (await describe(app, "scheduled/rate")).NextRotationDate?.toISOString(),
          "2026-12-08T00:59:59.000Z",
          "rate(12 hours): the next window opens at midnight",
        );
    }
  } finally {
    await app.stop();
  }
});

Rotation("two instances on one log start a due rotation exactly once", async () => {
  const work = workDir();
  writeFunctions(work.functions, { builtin: { type: "builtin" } });
  let now = Date.UTC(2026, 11, 7, 9, 30);
  const region = freshRegion();
  const keyringFile = sharedKeyring();
  const shared = {
    region,
    keyringFile,
    functionsFile: work.functions,
    rotation: ROTATION,
    clock: () => now,
    logFence: true,
  };
  const [a, b] = [await startTestApp(shared), await startTestApp(shared)];
  try {
    await createJsonSecret(a, "shared/db");
    await a.client.send(
      new RotateSecretCommand({
        SecretId: "shared/db",
        RotationLambdaARN: lambdaArn(a, "builtin"),
        RotationRules: { AutomaticallyAfterDays: 1 },
        RotateImmediately: false,
      }),
    );
    await a.whenRotationsIdle();
    await b.client.send(new DescribeSecretCommand({ SecretId: "shared/db" }));
    now = Date.UTC(2026, 11, 8);
    const started = await Promise.all([a.rotateDue(), b.rotateDue(), a.rotateDue(), b.rotateDue()]);
    assert.is(
      started.reduce((x, y) => x + y, 0),
      1,
    );
    await Promise.all([a.whenRotationsIdle(), b.whenRotationsIdle()]);
    const history = await historyOf(a, "shared/db");
    assert.is(history.split("scheduled rotation started").length - 1, 1);
    assert.is(history.split("rotation succeeded").length - 1, 1);
  } finally {
    await b.stop();
    await a.stop();
  }
});

Rotation("the AWS CLI: rotate-secret, describe-secret, cancel-rotate-secret", async () => {
  const unavailable = awsCliUnavailable();
  if (unavailable !== undefined) {
    process.stdout.write(`  (skipped: the AWS CLI is not available: ${unavailable})\n`);
    return;
  }
  const { app } = await rotationApp(() => ({ builtin: { type: "builtin" } }));
  try {
    await createJsonSecret(app, "cli/db");
    const cli = awsCli(app);
    const rotated = await cli.json(
      "rotate-secret",
      "--secret-id",
      "cli/db",
      "--rotation-lambda-arn",
      lambdaArn(app, "builtin"),
      "--rotation-rules",
      '{"ScheduleExpression": "cron(0 8 ? * MON *)", "Duration": "3h"}',
    );
    assert.type(rotated["VersionId"], "string");
    await app.whenRotationsIdle();
    const described = await cli.json("describe-secret", "--secret-id", "cli/db");
    assert.is(described["RotationEnabled"], true);
    assert.equal(described["RotationRules"], {
      AutomaticallyAfterDays: 7,
      Duration: "3h",
      ScheduleExpression: "cron(0 8 ? * MON *)",
    });
    assert.ok(described["LastRotatedDate"] !== undefined && described["NextRotationDate"] !== undefined);
    const cancelled = await cli.json("cancel-rotate-secret", "--secret-id", "cli/db");
    assert.is(cancelled["Name"], "cli/db");
    assert.is((await cli.json("describe-secret", "--secret-id", "cli/db"))["RotationEnabled"], false);
  } finally {
    await app.stop();
  }
});

Rotation.run();
