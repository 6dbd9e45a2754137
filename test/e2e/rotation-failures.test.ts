import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CancelRotateSecretCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { AwsJsonClient } from "../../src/client/aws-json-client.js";
import { startTestApp, TEST_CREDENTIALS } from "../support/app.js";
import {
  DAY,
  ROTATION,
  createJsonSecret,
  describe,
  historyOf,
  labels,
  lambdaArn,
  node,
  python,
  steps,
  workDir,
  writeFunctions,
  rotateAndWait,
  rotationApp,
} from "../support/rotation.js";
import { freshRegion, tempDir } from "../support/nats.js";
import { secretLedger } from "../support/cli.js";
import { sdkError } from "../support/sdk.js";

const Rotation = suite("rotation: failures and refusals");

Rotation(
  "a step that fails twice then succeeds: retried with the same token, with backoff on the service's clock",
  async () => {
    let now = Date.UTC(2026, 11, 7, 9, 30);
    const { app, work } = await rotationApp(
      (work) => ({
        flaky: node({ FAIL_STEP: "setSecret", FAIL_TIMES: "2", COUNTER_FILE: work.counter, STEPS_FILE: work.steps }),
      }),
      { clock: () => now },
    );
    try {
      const { first } = await createJsonSecret(app, "flaky/db");
      const token = await rotateAndWait(app, "flaky/db", "flaky");
      assert.equal(await labels(app, "flaky/db"), { [first]: ["AWSCURRENT"], [token]: ["AWSPENDING"] });
      // The state as the log holds it: the rotation under way, and when its retry is due.
      const at = String(await app.log.lastSeq());
      const stateAt = JSON.parse(
        (await secretLedger(app, ["state", "--at", at, "--secret", "flaky/db", "--json"])).out,
      ) as { secrets: Array<{ rotation?: Record<string, unknown> }> };
      assert.equal(stateAt.secrets[0]?.rotation?.["underWay"], {
        versionId: token,
        attempt: 1,
        retryFrom: new Date(now + 60_000).toISOString(),
      });
      // Meanwhile a caller's new rotation is refused, as on AWS.
      assert.equal(
        await sdkError(
          app.client.send(
            new RotateSecretCommand({ SecretId: "flaky/db", RotationLambdaARN: lambdaArn(app, "flaky") }),
          ),
        ),
        {
          name: "InvalidRequestException",
          message: "A previous rotation isn't complete. That rotation will be reattempted.",
          status: 400,
          fault: "client",
        },
      );
      // Not before its backoff: nothing starts.
      now += 59_000;
      assert.is(await app.rotateDue(), 0);
      now += 1_000;
      assert.is(await app.rotateDue(), 1);
      await app.whenRotationsIdle();
      now += 119_000;
      assert.is(await app.rotateDue(), 0, "the second retry waits twice as long");
      now += 1_000;
      assert.is(await app.rotateDue(), 1);
      await app.whenRotationsIdle();
      assert.equal(await labels(app, "flaky/db"), { [first]: ["AWSPREVIOUS"], [token]: ["AWSCURRENT"] });
      assert.equal(steps(work.steps), [
        ...["createSecret", "setSecret"],
        ...["createSecret", "setSecret"],
        ...["createSecret", "setSecret", "testSecret", "finishSecret"],
      ]);
      // createSecret reused the pending value: one version was made, not three.
      const versions = await app.client.send(
        new ListSecretVersionIdsCommand({ SecretId: "flaky/db", IncludeDeprecated: true }),
      );
      assert.is(versions.Versions?.length, 2);
      const history = await historyOf(app, "flaky/db");
      assert.match(history, "rotation attempt 1 failed at setSecret: PlannedFailure");
      assert.match(history, "rotation attempt 2 failed at setSecret: PlannedFailure");
      assert.match(history, "retried (attempt 3)");
    } finally {
      await app.stop();
    }
  },
);

Rotation(
  "a function that never succeeds: AWSPENDING left, the refusal, CancelRotateSecret, then a new rotation once it is removed",
  async () => {
    const work = workDir();
    writeFunctions(work.functions, {
      broken: python({ FAIL_STEP: "testSecret", COUNTER_FILE: work.counter }),
      builtin: { type: "builtin" },
    });
    let now = Date.UTC(2026, 11, 7, 9, 30);
    const app = await startTestApp({
      functionsFile: work.functions,
      rotation: { ...ROTATION, attempts: 2 },
      clock: () => now,
    });
    try {
      const { first } = await createJsonSecret(app, "broken/db");
      const token = await rotateAndWait(app, "broken/db", "broken", {
        RotationRules: { ScheduleExpression: "rate(10 days)" },
      });
      now += 60_000;
      assert.is(await app.rotateDue(), 1);
      await app.whenRotationsIdle();
      now += DAY;
      assert.is(await app.rotateDue(), 0, "given up: no more attempts until the schedule says so");
      assert.equal(await labels(app, "broken/db"), { [first]: ["AWSCURRENT"], [token]: ["AWSPENDING"] });
      assert.match(await historyOf(app, "broken/db"), "gave up, AWSPENDING left in place");
      const refusal = await sdkError(app.client.send(new RotateSecretCommand({ SecretId: "broken/db" })));
      assert.is(refusal.name, "InvalidRequestException");
      assert.is(refusal.message, "A previous rotation isn't complete. That rotation will be reattempted.");

      const cancelled = await app.client.send(new CancelRotateSecretCommand({ SecretId: "broken/db" }));
      assert.is(cancelled.VersionId, token);
      const described = await describe(app, "broken/db");
      assert.is(described.RotationEnabled, false);
      assert.is(described.RotationLambdaARN, lambdaArn(app, "broken"));
      assert.equal(described.RotationRules, { AutomaticallyAfterDays: 10, ScheduleExpression: "rate(10 days)" });
      assert.is(described.NextRotationDate, undefined);
      assert.equal(await labels(app, "broken/db"), { [first]: ["AWSCURRENT"], [token]: ["AWSPENDING"] });
      // Still blocked until the caller removes AWSPENDING.
      assert.is(
        (
          await sdkError(
            app.client.send(
              new RotateSecretCommand({ SecretId: "broken/db", RotationLambdaARN: lambdaArn(app, "builtin") }),
            ),
          )
        ).name,
        "InvalidRequestException",
      );
      await app.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: "broken/db",
          VersionStage: "AWSPENDING",
          RemoveFromVersionId: token,
        }),
      );
      const next = await rotateAndWait(app, "broken/db", "builtin");
      assert.equal(await labels(app, "broken/db"), { [first]: ["AWSPREVIOUS"], [next]: ["AWSCURRENT"] });
      assert.is((await describe(app, "broken/db")).RotationEnabled, true);
    } finally {
      await app.stop();
    }
  },
);

Rotation("a manual write that moves AWSCURRENT abandons the rotation under way: AWSPENDING removed", async () => {
  let now = Date.UTC(2026, 11, 7, 9, 30);
  const { app } = await rotationApp(
    (work) => ({ stuck: node({ FAIL_STEP: "setSecret", COUNTER_FILE: work.counter }) }),
    { clock: () => now },
  );
  try {
    await createJsonSecret(app, "manual/db");
    const token = await rotateAndWait(app, "manual/db", "stuck");
    const manual = randomUUID();
    await app.client.send(
      new PutSecretValueCommand({
        SecretId: "manual/db",
        SecretString: '{"password":"by hand"}',
        ClientRequestToken: manual,
      }),
    );
    const stages = await labels(app, "manual/db");
    assert.equal(stages[manual], ["AWSCURRENT"]);
    assert.not.ok(Object.values(stages).some((s) => s.includes("AWSPENDING")));
    assert.is(stages[token], undefined, "the rotation's version is left with no label");
    assert.match(await historyOf(app, "manual/db"), "rotation abandoned");
    now += 10 * 60_000;
    assert.is(await app.rotateDue(), 0, "an abandoned rotation is not retried");
  } finally {
    await app.stop();
  }
});

Rotation(
  "refusals: a function that can't be invoked saves nothing; no function; no token on a raw request",
  async () => {
    const { app } = await rotationApp(() => ({ builtin: { type: "builtin" } }));
    try {
      await createJsonSecret(app, "guarded/db");
      assert.equal(
        await sdkError(
          app.client.send(
            new RotateSecretCommand({ SecretId: "guarded/db", RotationLambdaARN: lambdaArn(app, "nope") }),
          ),
        ),
        {
          name: "AccessDeniedException",
          message:
            "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.",
          status: 400,
          fault: "client",
        },
      );
      const described = await describe(app, "guarded/db");
      assert.is(described.RotationEnabled, undefined, "nothing saved");
      assert.is(Object.keys(described.VersionIdsToStages ?? {}).length, 1);
      const noFunction = await sdkError(app.client.send(new RotateSecretCommand({ SecretId: "guarded/db" })));
      assert.equal(
        [noFunction.name, noFunction.message],
        ["InvalidRequestException", "No Lambda rotation function ARN is associated with this secret."],
      );
      const raw = new AwsJsonClient(app.endpoint, TEST_CREDENTIALS, app.config.region);
      try {
        const answer = await raw.send("secretsmanager.RotateSecret", {
          SecretId: "guarded/db",
          RotationLambdaARN: lambdaArn(app, "builtin"),
        });
        assert.equal([answer.status, answer.json["__type"]], [400, "InvalidParameterException"]);
        const badRules = await raw.send("secretsmanager.RotateSecret", {
          SecretId: "guarded/db",
          ClientRequestToken: randomUUID(),
          RotationLambdaARN: lambdaArn(app, "builtin"),
          RotationRules: { ScheduleExpression: "rate(1 hours)" },
        });
        assert.equal([badRules.status, badRules.json["__type"]], [400, "InvalidParameterException"]);
        const tooMany = await raw.send("secretsmanager.RotateSecret", {
          SecretId: "guarded/db",
          ClientRequestToken: randomUUID(),
          RotationRules: { AutomaticallyAfterDays: 1001 },
        });
        assert.equal([tooMany.status, tooMany.json["__type"]], [400, "ValidationException"]);
      } finally {
        raw.close();
      }
      assert.is((await describe(app, "guarded/db")).RotationEnabled, undefined);
      // CancelRotateSecret on a secret whose rotation was never configured.
      assert.is(
        (await sdkError(app.client.send(new CancelRotateSecretCommand({ SecretId: "guarded/db" })))).name,
        "InvalidRequestException",
      );
    } finally {
      await app.stop();
    }
  },
);

Rotation(
  "an attempt cut short by a stop is recorded as retryable at once, and the next start takes it up",
  async () => {
    const work = workDir();
    // A step that would take a minute: the stop must not wait for it.
    writeFunctions(work.functions, {
      slow: { type: "exec", command: [process.execPath, "-e", "setTimeout(() => {}, 60000)"], timeoutSeconds: 120 },
    });
    const now = Date.UTC(2026, 11, 7, 9, 30);
    const options = {
      region: freshRegion(),
      dataDir: tempDir("rotation-restart"),
      functionsFile: work.functions,
      rotation: ROTATION,
      clock: () => now,
    };
    const first = await startTestApp(options);
    const token = randomUUID();
    try {
      await createJsonSecret(first, "restart/db");
      await first.client.send(
        new RotateSecretCommand({
          SecretId: "restart/db",
          ClientRequestToken: token,
          RotationLambdaARN: lambdaArn(first, "slow"),
        }),
      );
    } finally {
      await first.stop();
    }
    writeFunctions(work.functions, { slow: { type: "builtin" } });
    const second = await startTestApp(options);
    try {
      assert.match(
        await historyOf(second, "restart/db"),
        "rotation attempt 1 failed at createSecret: the service stopped",
      );
      assert.is(await second.rotateDue(), 1);
      await second.whenRotationsIdle();
      assert.equal((await labels(second, "restart/db"))[token], ["AWSCURRENT"]);
    } finally {
      await second.stop();
    }
  },
);

Rotation.run();
