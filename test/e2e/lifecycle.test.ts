import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { dataKeyOf, startTestApp, type TestApp } from "../support/app.js";
import { rawRequest } from "../support/raw.js";
import { sdkError } from "../support/sdk.js";
import { told } from "../support/hooks.js";

const DAY = 24 * 60 * 60 * 1000;
let now = Date.UTC(2026, 10, 27, 12, 0, 0);

const Lifecycle = suite<{ app: TestApp }>("updates, tags and the deletion lifecycle");
Lifecycle.before(
  told(async (ctx) => {
    ctx.app = await startTestApp({ clock: () => now });
  }),
);
Lifecycle.after(told(async ({ app }) => app.stop()));

const create = (client: SecretsManagerClient, name: string, value = "v") =>
  client.send(new CreateSecretCommand({ Name: name, SecretString: value, ClientRequestToken: randomUUID() }));

Lifecycle(
  "UpdateSecret: metadata alone makes no version; a value makes one; LastChangedDate moves",
  async ({ app }) => {
    const created = await create(app.client, "upd/one", "a");
    const before = await app.client.send(new DescribeSecretCommand({ SecretId: "upd/one" }));
    now += 1000;
    const meta = await app.client.send(new UpdateSecretCommand({ SecretId: "upd/one", Description: "the one" }));
    assert.is(meta.VersionId, undefined);
    assert.is(meta.ARN, created.ARN);
    const described = await app.client.send(new DescribeSecretCommand({ SecretId: "upd/one" }));
    assert.is(described.Description, "the one");
    assert.equal(described.VersionIdsToStages, before.VersionIdsToStages);
    assert.ok((described.LastChangedDate?.getTime() ?? 0) > (before.LastChangedDate?.getTime() ?? 0));
    const t = randomUUID();
    const valued = await app.client.send(
      new UpdateSecretCommand({ SecretId: "upd/one", SecretString: "b", ClientRequestToken: t }),
    );
    assert.is(valued.VersionId, t);
    const again = await app.client.send(
      new UpdateSecretCommand({ SecretId: "upd/one", SecretString: "b", ClientRequestToken: t }),
    );
    assert.is(again.VersionId, t);
    const other = await sdkError(
      app.client.send(new UpdateSecretCommand({ SecretId: "upd/one", SecretString: "c", ClientRequestToken: t })),
    );
    assert.is(other.name, "ResourceExistsException");
    const stages = (await app.client.send(new DescribeSecretCommand({ SecretId: "upd/one" }))).VersionIdsToStages ?? {};
    assert.equal(stages[t], ["AWSCURRENT"]);
    assert.equal(stages[created.VersionId ?? ""], ["AWSPREVIOUS"]);
    assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "upd/one" }))).SecretString, "b");
  },
);

Lifecycle(
  "tags: absent until tagged, overwritten by key, [] once all are removed; an empty 200 body",
  async ({ app }) => {
    await create(app.client, "tags/one");
    assert.is((await app.client.send(new DescribeSecretCommand({ SecretId: "tags/one" }))).Tags, undefined);
    await app.client.send(
      new TagResourceCommand({
        SecretId: "tags/one",
        Tags: [
          { Key: "team", Value: "a" },
          { Key: "env", Value: "prod" },
        ],
      }),
    );
    await app.client.send(new TagResourceCommand({ SecretId: "tags/one", Tags: [{ Key: "team", Value: "b" }] }));
    const tagged = (await app.client.send(new DescribeSecretCommand({ SecretId: "tags/one" }))).Tags ?? [];
    assert.equal(
      [...tagged].sort((x, y) => (x.Key ?? "").localeCompare(y.Key ?? "")),
      [
        { Key: "env", Value: "prod" },
        { Key: "team", Value: "b" },
      ],
    );
    await app.client.send(new UntagResourceCommand({ SecretId: "tags/one", TagKeys: ["team", "env", "never-there"] }));
    assert.equal((await app.client.send(new DescribeSecretCommand({ SecretId: "tags/one" }))).Tags, []);
    const raw = rawRequest(app);
    const r = await raw.send("secretsmanager.TagResource", { SecretId: "tags/one", Tags: [{ Key: "k", Value: "v" }] });
    raw.close();
    assert.equal([r.status, r.body], [200, ""]);
    const reserved = await sdkError(
      app.client.send(new TagResourceCommand({ SecretId: "tags/one", Tags: [{ Key: "aws:x", Value: "v" }] })),
    );
    assert.is(reserved.name, "InvalidParameterException");
  },
);

Lifecycle("the deletion table: what works and what fails while a secret is scheduled (§5.3)", async ({ app }) => {
  const created = await create(app.client, "del/table");
  const deletion = await app.client.send(new DeleteSecretCommand({ SecretId: "del/table", RecoveryWindowInDays: 7 }));
  assert.is(deletion.ARN, created.ARN);
  assert.is(deletion.DeletionDate?.getTime(), now + 7 * DAY);
  const described = await app.client.send(new DescribeSecretCommand({ SecretId: "del/table" }));
  assert.is(described.DeletedDate?.getTime(), now);
  const listed = await app.client.send(new ListSecretVersionIdsCommand({ SecretId: "del/table" }));
  assert.is(listed.Versions?.length, 1);
  const MARKED = "You can't perform this operation on the secret because it was marked for deletion.";
  const refusals: Array<[string, Promise<unknown>]> = [
    ["GetSecretValue", app.client.send(new GetSecretValueCommand({ SecretId: "del/table" }))],
    [
      "PutSecretValue",
      app.client.send(
        new PutSecretValueCommand({ SecretId: "del/table", SecretString: "x", ClientRequestToken: randomUUID() }),
      ),
    ],
    ["UpdateSecret", app.client.send(new UpdateSecretCommand({ SecretId: "del/table", Description: "x" }))],
    [
      "UpdateSecretVersionStage",
      app.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: "del/table",
          VersionStage: "x",
          MoveToVersionId: created.VersionId ?? "",
        }),
      ),
    ],
    [
      "TagResource",
      app.client.send(new TagResourceCommand({ SecretId: "del/table", Tags: [{ Key: "k", Value: "v" }] })),
    ],
    ["UntagResource", app.client.send(new UntagResourceCommand({ SecretId: "del/table", TagKeys: ["k"] }))],
  ];
  for (const [op, call] of refusals) {
    const e = await sdkError(call);
    assert.equal([e.name, e.message], ["InvalidRequestException", MARKED], op);
  }
  const recreate = await sdkError(create(app.client, "del/table"));
  assert.equal(
    [recreate.name, recreate.message],
    [
      "InvalidRequestException",
      "You can't create this secret because a secret with this name is already scheduled for deletion.",
    ],
  );
  const twice = await sdkError(app.client.send(new DeleteSecretCommand({ SecretId: "del/table" })));
  assert.is(twice.name, "InvalidRequestException");
  const restored = await app.client.send(new RestoreSecretCommand({ SecretId: "del/table" }));
  assert.is(restored.ARN, created.ARN);
  assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "del/table" }))).SecretString, "v");
  assert.is((await app.client.send(new DescribeSecretCommand({ SecretId: "del/table" }))).DeletedDate, undefined);
});

Lifecycle("DeleteSecret's parameters are checked", async ({ app }) => {
  await create(app.client, "del/params");
  const range = await sdkError(
    app.client.send(new DeleteSecretCommand({ SecretId: "del/params", RecoveryWindowInDays: 6 })),
  );
  assert.equal(
    [range.name, range.message],
    ["InvalidParameterException", "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."],
  );
  const both = await sdkError(
    app.client.send(
      new DeleteSecretCommand({ SecretId: "del/params", RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true }),
    ),
  );
  assert.equal(
    [both.name, both.message],
    ["InvalidParameterException", "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."],
  );
  assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "del/params" }))).SecretString, "v");
  const missing = await sdkError(app.client.send(new DeleteSecretCommand({ SecretId: "del/nothing-here" })));
  assert.is(missing.name, "ResourceNotFoundException");
});

/** Whether the data key of `versionId` can still be recovered from the log and the key store. */
const keyExists = async (app: TestApp, arn: string, versionId: string): Promise<boolean> =>
  (await dataKeyOf(app, arn, versionId)) !== undefined;

Lifecycle("a forced delete is immediate: the name is free again and the data keys are destroyed", async ({ app }) => {
  const created = await create(app.client, "del/force", "old secret");
  assert.ok(await keyExists(app, created.ARN ?? "", created.VersionId ?? ""));
  const deletion = await app.client.send(
    new DeleteSecretCommand({ SecretId: "del/force", ForceDeleteWithoutRecovery: true }),
  );
  assert.is(deletion.DeletionDate?.getTime(), now);
  assert.is(
    (await sdkError(app.client.send(new DescribeSecretCommand({ SecretId: "del/force" })))).name,
    "ResourceNotFoundException",
  );
  await app.whenKeysShredded();
  assert.not.ok(await keyExists(app, created.ARN ?? "", created.VersionId ?? ""));
  const again = await create(app.client, "del/force", "new secret");
  assert.is.not(again.ARN, created.ARN);
  assert.is((await app.client.send(new GetSecretValueCommand({ SecretId: "del/force" }))).SecretString, "new secret");
  // The old ARN names nothing now.
  assert.is(
    (await sdkError(app.client.send(new GetSecretValueCommand({ SecretId: created.ARN ?? "" })))).name,
    "ResourceNotFoundException",
  );
});

Lifecycle("a forced delete of a secret that does not exist succeeds", async ({ app }) => {
  const deletion = await app.client.send(
    new DeleteSecretCommand({ SecretId: "never/was", ForceDeleteWithoutRecovery: true }),
  );
  assert.is(deletion.Name, "never/was");
  assert.match(deletion.ARN ?? "", /:secret:never\/was-[A-Za-z0-9]{6}$/);
  assert.ok(deletion.DeletionDate instanceof Date);
});

Lifecycle("when the recovery window ends, the service deletes the secret and destroys its keys", async ({ app }) => {
  const created = await create(app.client, "del/window");
  await app.client.send(new DeleteSecretCommand({ SecretId: "del/window", RecoveryWindowInDays: 7 }));
  now += 7 * DAY - 1;
  assert.is(await app.purgeDueDeletions(), 0);
  assert.ok((await app.client.send(new DescribeSecretCommand({ SecretId: "del/window" }))).DeletedDate);
  now += 1;
  assert.is(await app.purgeDueDeletions(), 1);
  assert.is(
    (await sdkError(app.client.send(new DescribeSecretCommand({ SecretId: "del/window" })))).name,
    "ResourceNotFoundException",
  );
  await app.whenKeysShredded();
  assert.not.ok(await keyExists(app, created.ARN ?? "", created.VersionId ?? ""));
  assert.is(await app.purgeDueDeletions(), 0);
});

Lifecycle("reads record LastAccessedDate at day resolution, once a day per version", async ({ app }) => {
  const created = await create(app.client, "access/one");
  const describe = () => app.client.send(new DescribeSecretCommand({ SecretId: "access/one" }));
  assert.is((await describe()).LastAccessedDate, undefined, "DescribeSecret does not count as a read");
  const midnight = (t: number) => t - (t % DAY);
  await app.client.send(new GetSecretValueCommand({ SecretId: "access/one" }));
  assert.is((await describe()).LastAccessedDate?.getTime(), midnight(now));
  const seq = await app.log.lastSeq();
  await app.client.send(new GetSecretValueCommand({ SecretId: "access/one" }));
  assert.is(await app.log.lastSeq(), seq, "a second read on the same day writes nothing");
  const versions = await app.client.send(new ListSecretVersionIdsCommand({ SecretId: "access/one" }));
  assert.is(
    versions.Versions?.find((v) => v.VersionId === created.VersionId)?.LastAccessedDate?.getTime(),
    midnight(now),
  );
  now += DAY;
  await app.client.send(new GetSecretValueCommand({ SecretId: "access/one" }));
  assert.is((await describe()).LastAccessedDate?.getTime(), midnight(now));
});

Lifecycle("GetRandomPassword", async ({ app }) => {
  const p = await app.client.send(
    new GetRandomPasswordCommand({ PasswordLength: 50, ExcludeCharacters: "abc", ExcludePunctuation: true }),
  );
  assert.match(p.RandomPassword ?? "", /^[A-Zd-z0-9]{50}$/);
  assert.is((await app.client.send(new GetRandomPasswordCommand({}))).RandomPassword?.length, 32);
  const tooShort = await sdkError(app.client.send(new GetRandomPasswordCommand({ PasswordLength: 2 })));
  assert.is(tooShort.name, "InvalidParameterException");
  const tooLong = await sdkError(app.client.send(new GetRandomPasswordCommand({ PasswordLength: 4097 })));
  assert.is(tooLong.name, "ValidationException");
});

Lifecycle.run();
