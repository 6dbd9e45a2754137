import { test } from "uvu";
import * as assert from "uvu/assert";
import { evaluate, wildcardMatch, type RequestContext, type Statement } from "../../src/access/policy-evaluation.js";

const ACCOUNT = "123456789012";
const READER = `arn:aws:iam::${ACCOUNT}:user/reader`;
const DB = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/db-AbCdEf`;
const OTHER = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:dev/app-XyZ123`;

const request = (action: string, resource = DB, keys: RequestContext["conditionKeys"] = {}): RequestContext => ({
  principalArn: READER,
  account: ACCOUNT,
  action: `secretsmanager:${action}`,
  resource,
  conditionKeys: { "aws:principalarn": [READER], ...keys },
});
const allow = (action: unknown, resource: unknown = "*", extra: object = {}): Statement => ({
  Effect: "Allow",
  Action: action,
  Resource: resource,
  ...extra,
});
const deny = (action: unknown, resource: unknown = "*", extra: object = {}): Statement => ({
  Effect: "Deny",
  Action: action,
  Resource: resource,
  ...extra,
});

type Case = {
  readonly name: string;
  readonly ctx: RequestContext;
  readonly identity: ReadonlyArray<ReadonlyArray<Statement>>;
  readonly resource?: ReadonlyArray<Statement>;
  readonly expected: "Allowed" | "no allow" | "identity deny" | "resource deny";
};

const cases: ReadonlyArray<Case> = [
  { name: "nothing attached: denied by default", ctx: request("GetSecretValue"), identity: [], expected: "no allow" },
  {
    name: "an exact action allows",
    ctx: request("GetSecretValue"),
    identity: [[allow("secretsmanager:GetSecretValue")]],
    expected: "Allowed",
  },
  {
    name: "action names are case-insensitive",
    ctx: request("GetSecretValue"),
    identity: [[allow("SecretsManager:getsecretvalue")]],
    expected: "Allowed",
  },
  {
    name: "a wildcard action allows what it matches",
    ctx: request("GetSecretValue"),
    identity: [[allow("secretsmanager:Get*")]],
    expected: "Allowed",
  },
  {
    name: "a wildcard action does not allow what it does not match",
    ctx: request("PutSecretValue"),
    identity: [[allow(["secretsmanager:Get*", "secretsmanager:Describe*", "secretsmanager:List*"])]],
    expected: "no allow",
  },
  {
    name: "? matches one character",
    ctx: request("GetSecretValue"),
    identity: [[allow("secretsmanager:GetSecretValu?")]],
    expected: "Allowed",
  },
  {
    name: "another service's action does not allow",
    ctx: request("GetSecretValue"),
    identity: [[allow("kms:*")]],
    expected: "no allow",
  },
  {
    name: "a resource pattern with the -?????? suffix allows its secret",
    ctx: request("GetSecretValue"),
    identity: [[allow("secretsmanager:*", `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/db-??????`)]],
    expected: "Allowed",
  },
  {
    name: "a resource pattern does not allow another secret",
    ctx: request("GetSecretValue", OTHER),
    identity: [[allow("secretsmanager:*", `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/*`)]],
    expected: "no allow",
  },
  {
    name: "NotAction allows everything else",
    ctx: request("GetSecretValue"),
    identity: [[{ Effect: "Allow", NotAction: "secretsmanager:Delete*", Resource: "*" }]],
    expected: "Allowed",
  },
  {
    name: "NotAction does not allow what it names",
    ctx: request("DeleteSecret"),
    identity: [[{ Effect: "Allow", NotAction: "secretsmanager:Delete*", Resource: "*" }]],
    expected: "no allow",
  },
  {
    name: "NotResource excludes its secrets",
    ctx: request("GetSecretValue"),
    identity: [[{ Effect: "Allow", Action: "secretsmanager:*", NotResource: "*:secret:prod/*" }]],
    expected: "no allow",
  },
  {
    name: "an explicit identity Deny beats an Allow",
    ctx: request("GetSecretValue"),
    identity: [[allow("secretsmanager:*")], [deny("secretsmanager:GetSecretValue", "*:secret:prod/*")]],
    expected: "identity deny",
  },
  {
    name: "a Deny for another secret leaves the Allow",
    ctx: request("GetSecretValue", OTHER),
    identity: [[allow("secretsmanager:*"), deny("secretsmanager:GetSecretValue", "*:secret:prod/*")]],
    expected: "Allowed",
  },
  {
    name: "a resource policy naming the caller allows without an identity policy",
    ctx: request("GetSecretValue"),
    identity: [],
    resource: [{ Effect: "Allow", Principal: { AWS: READER }, Action: "secretsmanager:GetSecretValue" }],
    expected: "Allowed",
  },
  {
    name: "a resource policy naming someone else allows nothing",
    ctx: request("GetSecretValue"),
    identity: [],
    resource: [
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/other` }, Action: "secretsmanager:*" },
    ],
    expected: "no allow",
  },
  {
    name: "a resource policy granting the account leaves the decision to identity policies",
    ctx: request("GetSecretValue"),
    identity: [],
    resource: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "secretsmanager:*" }],
    expected: "no allow",
  },
  {
    name: "a resource policy Deny beats an identity Allow",
    ctx: request("GetSecretValue"),
    identity: [[allow("secretsmanager:*")]],
    resource: [{ Effect: "Deny", Principal: "*", Action: "secretsmanager:GetSecretValue" }],
    expected: "resource deny",
  },
  {
    name: "a resource policy Deny for the account covers its users",
    ctx: request("DeleteSecret"),
    identity: [[allow("secretsmanager:*")]],
    resource: [{ Effect: "Deny", Principal: { AWS: ACCOUNT }, Action: "secretsmanager:DeleteSecret" }],
    expected: "resource deny",
  },
  {
    name: "NotPrincipal Deny spares the principal it names",
    ctx: request("DeleteSecret"),
    identity: [[allow("secretsmanager:*")]],
    resource: [{ Effect: "Deny", NotPrincipal: { AWS: READER }, Action: "secretsmanager:*" }],
    expected: "Allowed",
  },
  {
    name: "a condition that holds lets the Allow apply",
    ctx: request("GetSecretValue", DB, { "secretsmanager:resourcetag/team": ["payments"] }),
    identity: [
      [
        allow("secretsmanager:*", "*", {
          Condition: { StringEquals: { "secretsmanager:ResourceTag/team": "payments" } },
        }),
      ],
    ],
    expected: "Allowed",
  },
  {
    name: "a condition that fails keeps the Allow out",
    ctx: request("GetSecretValue", DB, { "secretsmanager:resourcetag/team": ["search"] }),
    identity: [
      [
        allow("secretsmanager:*", "*", {
          Condition: { StringEquals: { "secretsmanager:ResourceTag/team": "payments" } },
        }),
      ],
    ],
    expected: "no allow",
  },
  {
    name: "a condition on a key the request lacks fails (StringLike)",
    ctx: request("GetSecretValue"),
    identity: [
      [allow("secretsmanager:*", "*", { Condition: { StringLike: { "secretsmanager:VersionStage": "AWS*" } } })],
    ],
    expected: "no allow",
  },
  {
    name: "a negated condition holds when the key is absent",
    ctx: request("GetSecretValue"),
    identity: [
      [
        allow("secretsmanager:*"),
        deny("secretsmanager:*", "*", {
          Condition: { StringNotEquals: { "secretsmanager:VersionStage": "AWSCURRENT" } },
        }),
      ],
    ],
    expected: "identity deny",
  },
  {
    name: "IfExists holds when the key is absent",
    ctx: request("GetSecretValue"),
    identity: [
      [
        allow("secretsmanager:*", "*", {
          Condition: { StringEqualsIfExists: { "secretsmanager:VersionStage": "AWSCURRENT" } },
        }),
      ],
    ],
    expected: "Allowed",
  },
  {
    name: "an operator this service does not know never opens access",
    ctx: request("GetSecretValue"),
    identity: [
      [
        allow("secretsmanager:*", "*", {
          Condition: { DateGreaterThan: { "aws:CurrentTime": "2020-01-01T00:00:00Z" } },
        }),
      ],
    ],
    expected: "no allow",
  },
  {
    name: "an operator this service does not know never removes a Deny",
    ctx: request("GetSecretValue"),
    identity: [
      [
        allow("secretsmanager:*"),
        deny("secretsmanager:*", "*", { Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } }),
      ],
    ],
    expected: "identity deny",
  },
  {
    name: "a ListSecrets allow on * covers the account-wide operation",
    ctx: request("ListSecrets", "*"),
    identity: [[allow("secretsmanager:ListSecrets")]],
    expected: "Allowed",
  },
  {
    name: "an allow on one secret does not cover an account-wide operation",
    ctx: request("ListSecrets", "*"),
    identity: [[allow("secretsmanager:ListSecrets", DB)]],
    expected: "no allow",
  },
];

const outcome = (c: Case): string => {
  const d = evaluate(c.ctx, c.identity, c.resource);
  if (d._tag === "Allowed") return "Allowed";
  return d.why === "no identity-based policy allows"
    ? "no allow"
    : d.why === "explicit deny in an identity-based policy"
      ? "identity deny"
      : "resource deny";
};

for (const c of cases) test(`policy evaluation: ${c.name}`, () => assert.is(outcome(c), c.expected));

test("wildcards match whole values, not parts", () => {
  assert.ok(wildcardMatch("a*c", "abbbc"));
  assert.not.ok(wildcardMatch("a*c", "abbbcd"));
  assert.not.ok(wildcardMatch("a.c", "abc"), "a dot is a dot, not any character");
  assert.ok(wildcardMatch("secret:x-??????", "secret:x-AbCdEf"));
  assert.not.ok(wildcardMatch("secret:x-??????", "secret:x-AbCdE"));
});

test.run();
