import { test } from "uvu";
import * as assert from "uvu/assert";
import { grantsPublicAccess, isPolicyProblem, parsePolicy } from "../../src/domain/resource-policy.js";

const policy = (statement: object | object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statement });
const allowRole = {
  Effect: "Allow",
  Principal: { AWS: "arn:aws:iam::123456789012:role/app" },
  Action: "secretsmanager:GetSecretValue",
  Resource: "*",
};

test("a well-formed resource policy parses", () => {
  const parsed = parsePolicy(policy([allowRole]));
  assert.not.ok(isPolicyProblem(parsed));
  assert.not.ok(isPolicyProblem(parsePolicy(policy(allowRole))), "a single statement object is fine too");
});

test("grammar errors are syntax problems", () => {
  const broken = [
    "{not json",
    "[]",
    JSON.stringify({ Version: "2012-10-17" }),
    JSON.stringify({ Version: "1999-01-01", Statement: [allowRole] }),
    JSON.stringify({ Statement: [allowRole], Extra: 1 }),
    policy([{ ...allowRole, Effect: "Maybe" }]),
    policy([{ Effect: "Allow", Principal: "*", Resource: "*" }]),
    policy([{ Effect: "Allow", Action: "secretsmanager:*", Resource: "*" }]),
    policy([{ ...allowRole, Colour: "blue" }]),
    policy([{ ...allowRole, Condition: "yes" }]),
    policy([]),
  ];
  for (const text of broken) {
    const parsed = parsePolicy(text);
    assert.ok(isPolicyProblem(parsed) && parsed.check === "SYNTAX_CHECKING", text);
  }
});

test("public access: Allow to * or to all but some, with no condition", () => {
  const statements = (s: object) => {
    const parsed = parsePolicy(policy([s]));
    if (isPolicyProblem(parsed)) throw new Error(parsed.message);
    return parsed.statements;
  };
  assert.ok(grantsPublicAccess(statements({ ...allowRole, Principal: "*" })));
  assert.ok(grantsPublicAccess(statements({ ...allowRole, Principal: { AWS: ["*"] } })));
  const { Principal: _p, ...noPrincipal } = allowRole;
  assert.ok(grantsPublicAccess(statements({ ...noPrincipal, NotPrincipal: { AWS: "arn:aws:iam::1:root" } })));
  assert.not.ok(grantsPublicAccess(statements(allowRole)));
  assert.not.ok(grantsPublicAccess(statements({ ...allowRole, Effect: "Deny", Principal: "*" })));
  assert.not.ok(
    grantsPublicAccess(
      statements({
        ...allowRole,
        Principal: "*",
        Condition: { StringEquals: { "aws:PrincipalAccount": "123456789012" } },
      }),
    ),
  );
});

test.run();
