import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readPrincipalsFile } from "../../src/access/principals.js";
import { tempDir } from "../support/nats.js";

const ACCOUNT = "123456789012";
const readOnly = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "secretsmanager:Get*", Resource: "*" }],
};

const file = (content: unknown, mode = 0o600): string => {
  const path = join(tempDir("principals"), "principals.json");
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content), { mode });
  chmodSync(path, mode);
  return path;
};

const userWith = (policies: unknown[], keys = [{ accessKeyId: "AKIDONE", secretAccessKey: "s1" }]) => ({
  users: [{ name: "reader", accessKeys: keys, policies }],
});

test("each access key maps to its user, with the user's ARN and parsed policies", () => {
  const registry = readPrincipalsFile(
    file(
      userWith(
        [readOnly],
        [
          { accessKeyId: "AKIDONE", secretAccessKey: "s1" },
          { accessKeyId: "AKIDTWO", secretAccessKey: "s2" },
        ],
      ),
    ),
    ACCOUNT,
  );
  const one = registry.get("AKIDONE");
  assert.is(one?.principal.arn, `arn:aws:iam::${ACCOUNT}:user/reader`);
  assert.is(one?.credentials.secretAccessKey, "s1");
  assert.is(registry.get("AKIDTWO")?.principal, one?.principal, "two keys, one user");
  assert.is(one?.principal.kind === "user" ? one.principal.policies[0]?.length : 0, 1);
});

test("a file that is not a valid principals file is refused, naming why", () => {
  const refusals: Array<[unknown, RegExp]> = [
    ["{ not json", /not valid JSON/],
    [{ users: [{ name: "x" }] }, /not a principals file/],
    [userWith([{ Statement: [{ Effect: "Allow", Action: "*", Resource: "*", Principal: "*" }] }]), /has no Principal/],
    [userWith([{ Statement: [{ Effect: "Allow", Action: "*" }] }]), /Resource and NotResource/],
    [userWith([{ Statement: [{ Effect: "Perhaps", Action: "*", Resource: "*" }] }]), /Effect/],
    [
      userWith(
        [readOnly],
        [
          { accessKeyId: "AKIDSAME", secretAccessKey: "a" },
          { accessKeyId: "AKIDSAME", secretAccessKey: "b" },
        ],
      ),
      /appears twice/,
    ],
  ];
  for (const [content, why] of refusals) assert.throws(() => readPrincipalsFile(file(content), ACCOUNT), why);
});

test("a principals file readable by others is refused: it holds secret keys", () => {
  assert.throws(() => readPrincipalsFile(file(userWith([readOnly]), 0o644), ACCOUNT), /chmod 600/);
});

test.run();
