import { suite } from "uvu";
import * as assert from "uvu/assert";
import { RotateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { statSync } from "node:fs";
import { join } from "node:path";
import { startTestApp, user, writePrincipals } from "../support/app.js";
import { auditMessages, recordsOf } from "../support/audit.js";
import { secretLedger } from "../support/cli.js";
import { sdkError } from "../support/sdk.js";
import {
  ROTATION,
  createJsonSecret,
  historyOf,
  labels,
  lambdaArn,
  rotateAndWait,
  workDir,
  writeFunctions,
} from "../support/rotation.js";

// A function's calls are made as its role, a user of the principals file: authorized by that user's policies and
// audited as that user.

const Rotation = suite("rotation: roles and the functions file");

Rotation(
  "the function's calls are authorized and audited as its role; a role that may not write fails the step",
  async () => {
    const work = workDir();
    const principals = join(work.dir, "principals.json");
    const rotator = user("rotator", { Effect: "Allow", Action: "secretsmanager:*", Resource: "*" });
    const reader = user("reader", {
      Effect: "Allow",
      Action: ["secretsmanager:Get*", "secretsmanager:Describe*"],
      Resource: "*",
    });
    writePrincipals(principals, [rotator, reader]);
    writeFunctions(work.functions, {
      "as-rotator": { type: "builtin", role: "rotator" },
      "as-reader": { type: "builtin", role: "reader" },
      "as-nobody": { type: "builtin", role: "nobody" },
    });
    const app = await startTestApp({
      functionsFile: work.functions,
      principalsFile: principals,
      rotation: { ...ROTATION, attempts: 1 },
    });
    try {
      const { first } = await createJsonSecret(app, "roles/db");
      const token = await rotateAndWait(app, "roles/db", "as-rotator");
      assert.equal(await labels(app, "roles/db"), { [first]: ["AWSPREVIOUS"], [token]: ["AWSCURRENT"] });
      await app.whenAudited();
      const records = recordsOf(await auditMessages(app.natsUrl, app.config.region));
      const put = records.find((r) => r.operation === "PutSecretValue" && r.versionIds.includes(token));
      assert.is(put?.principal, "arn:aws:iam::123456789012:user/rotator");
      assert.is(put?.accessKeyId, rotator.accessKeyId);

      await createJsonSecret(app, "roles/readonly");
      const refused = await rotateAndWait(app, "roles/readonly", "as-reader");
      const history = await historyOf(app, "roles/readonly");
      assert.match(history, "rotation attempt 1 failed at createSecret: PutSecretValue: AccessDeniedException");
      assert.equal((await labels(app, "roles/readonly"))[refused], ["AWSPENDING"]);

      await createJsonSecret(app, "roles/nobody");
      await rotateAndWait(app, "roles/nobody", "as-nobody");
      assert.match(
        await historyOf(app, "roles/nobody"),
        "failed at createSecret: the function's role nobody is not in the principals file",
      );
    } finally {
      await app.stop();
    }
  },
);

Rotation(
  "secret-ledger functions add, list and remove keep the file private; the running service reads it again",
  async () => {
    const work = workDir();
    const app = await startTestApp({ functionsFile: work.functions, rotation: ROTATION });
    try {
      const env = { SECRET_LEDGER_FUNCTIONS: work.functions };
      const added = await secretLedger(app, ["functions", "add", "nightly", "--builtin", "--json-key", "pass"], env);
      assert.equal([added.code, added.out.trim()], [0, lambdaArn(app, "nightly")]);
      assert.is(statSync(work.functions).mode & 0o777, 0o600);
      const py = await secretLedger(
        app,
        [
          "functions",
          "add",
          "py",
          "--runtime",
          "python3",
          "--handler",
          "lambda_function.lambda_handler",
          "--code-dir",
          ".",
        ],
        env,
      );
      assert.is(py.code, 0);
      const listed = (await secretLedger(app, ["functions", "list"], env)).out;
      assert.match(listed, `${lambdaArn(app, "nightly")}  built-in (new password in key pass)`);
      assert.match(listed, `${lambdaArn(app, "py")}  exec python3 lambda_function.lambda_handler`);
      assert.match(listed, `${lambdaArn(app, "secret-ledger-builtin")}  built-in`);
      const bad = await secretLedger(app, ["functions", "add", "x", "--url", "http://h/", "--builtin"], env);
      assert.is(bad.code, 2);
      assert.is((await secretLedger(app, ["functions", "add", "bad name!", "--builtin"], env)).code, 2);

      const { first } = await createJsonSecret(app, "cli/nightly", { user: "u", pass: "old" });
      const token = await rotateAndWait(app, "cli/nightly", "nightly");
      assert.equal(await labels(app, "cli/nightly"), { [first]: ["AWSPREVIOUS"], [token]: ["AWSCURRENT"] });
      const removed = await secretLedger(app, ["functions", "remove", "nightly"], env);
      assert.is(removed.code, 0);
      const refused = await sdkError(
        app.client.send(
          new RotateSecretCommand({ SecretId: "cli/nightly", RotationLambdaARN: lambdaArn(app, "nightly") }),
        ),
      );
      assert.is(refused.name, "AccessDeniedException");
    } finally {
      await app.stop();
    }
  },
);

Rotation.run();
