import { test } from "uvu";
import * as assert from "uvu/assert";
import * as E from "fp-ts/lib/Either.js";
import { parseSecretId, selectVersion } from "../../src/domain/queries.js";
import { fold } from "../../src/domain/state.js";
import { label, moved, v, versionAdded, withFirstVersion } from "../support/decider.js";

const home = { partition: "aws", region: "us-east-1", account: "123456789012" };
const state = fold([
  ...withFirstVersion("1"),
  versionAdded("2"),
  moved("AWSPENDING", undefined, "2"),
  versionAdded("3"),
]);

const selected = (selector: Parameters<typeof selectVersion>[1]) =>
  E.map((s: { version: { versionId: string } }) => s.version.versionId)(selectVersion(state, selector));

test("GetSecretValue reads AWSCURRENT by default, a label, a VersionId, or both when they agree", () => {
  assert.equal(selected({}), E.right(v("1")));
  assert.equal(selected({ versionStage: label("AWSPENDING") }), E.right(v("2")));
  assert.equal(selected({ versionId: v("2") }), E.right(v("2")));
  assert.equal(selected({ versionId: v("2"), versionStage: label("AWSPENDING") }), E.right(v("2")));
  assert.equal(selected({ versionId: v("3") }), E.right(v("3")), "a deprecated version is readable by its id");
});

test("GetSecretValue refusals", () => {
  assert.equal(
    selected({ versionStage: label("nope") }),
    E.left({ _tag: "StagingLabelNotFound", label: label("nope") }),
  );
  assert.equal(selected({ versionId: v("9") }), E.left({ _tag: "VersionNotFound", versionId: v("9") }));
  assert.equal(
    selected({ versionId: v("1"), versionStage: label("AWSPENDING") }),
    E.left({ _tag: "StageNotOnVersion" }),
  );
  assert.equal(selectVersion(fold([]), {}), E.left({ _tag: "SecretNotFound" }));
});

test("a SecretId is a name, a full ARN or a partial ARN; a foreign ARN names nothing here", () => {
  assert.equal(parseSecretId("prod/db", home), { kind: "name", name: "prod/db" });
  assert.equal(parseSecretId("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbC123", home), {
    kind: "arn",
    name: "prod/db-AbC123",
    suffixed: { name: "prod/db", suffix: "AbC123" },
  });
  assert.equal(parseSecretId("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db", home), {
    kind: "arn",
    name: "prod/db",
  });
  assert.equal(parseSecretId("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db", home), {
    kind: "foreign",
  });
  assert.equal(parseSecretId("arn:aws:secretsmanager:us-east-1:999999999999:secret:prod/db", home), {
    kind: "foreign",
  });
});

test.run();
