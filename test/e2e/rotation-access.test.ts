import { suite } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { startTestApp, user, writePrincipals } from "../support/app.js";
import { auditMessages, recordsOf } from "../support/audit.js";
import {
  ROTATION,
  createJsonSecret,
  historyOf,
  labels,
  rotateAndWait,
  workDir,
  writeFunctions,
} from "../support/rotation.js";

// A function's calls are made as its role, a user of the principals file: authorized by that user's policies and
// audited as that user.

const Rotation = suite("rotation: the function's role");

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

Rotation.run();
