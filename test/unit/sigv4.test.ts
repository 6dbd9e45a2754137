import { test } from "uvu";
import * as assert from "uvu/assert";
import * as E from "fp-ts/lib/Either.js";
import { SIGNATURE_MISMATCH, signRequest, verifyRequest, type SignableRequest } from "../../src/access/sigv4.js";

const creds = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const body = Buffer.from('{"SecretId":"db"}');
const base: SignableRequest = {
  method: "POST",
  url: "/",
  headers: {
    host: "127.0.0.1:4584",
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": "secretsmanager.GetSecretValue",
  },
  body,
};

const signed = (req = base, at = NOW, contentSha256Header = true): SignableRequest => ({
  ...req,
  headers: {
    ...req.headers,
    ...signRequest(req, creds, { region: "us-east-1", service: "secretsmanager" }, at, { contentSha256Header }),
  },
});

/** `base` signed with other credentials or for another region or service. */
const signedAs = (
  who: Partial<typeof creds>,
  scope = { region: "us-east-1", service: "secretsmanager" },
): SignableRequest => ({
  ...base,
  headers: { ...base.headers, ...signRequest(base, { ...creds, ...who }, scope, NOW) },
});

const verify = (req: SignableRequest, now = NOW) =>
  verifyRequest(req, {
    credentialsFor: (id) => (id === creds.accessKeyId ? creds : undefined),
    region: "us-east-1",
    service: "secretsmanager",
    now,
  });

const failure = (req: SignableRequest, now = NOW) => {
  const result = verify(req, now);
  if (E.isRight(result)) throw new Error("the request was accepted");
  return result.left;
};

test("a request signed like the JS SDK (with x-amz-content-sha256) verifies", () => {
  assert.equal(verify(signed()), E.right({ accessKeyId: "AKIDEXAMPLE" }));
});

test("a request signed like botocore (no x-amz-content-sha256) verifies", () => {
  const req = signed(base, NOW, false);
  assert.is(req.headers["x-amz-content-sha256"], undefined);
  assert.equal(verify(req), E.right({ accessKeyId: "AKIDEXAMPLE" }));
});

test("the AWS documentation's example signature verifies (GET with a query)", () => {
  // From the SigV4 test suite's get-vanilla-query-order-key-case, service "service".
  const req: SignableRequest = {
    method: "GET",
    url: "/?Param2=value2&Param1=value1",
    headers: { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" },
    body: Buffer.alloc(0),
  };
  const authorization =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500";
  const result = verifyRequest(
    { ...req, headers: { ...req.headers, authorization } },
    { credentialsFor: () => creds, region: "us-east-1", service: "service", now: Date.UTC(2015, 7, 30, 12, 36) },
  );
  assert.equal(result, E.right({ accessKeyId: "AKIDEXAMPLE" }));
});

test("a changed body does not verify", () => {
  const req = signed(base, NOW, false);
  assert.equal(failure({ ...req, body: Buffer.from('{"SecretId":"other"}') }), {
    _tag: "InvalidSignature",
    message: SIGNATURE_MISMATCH,
  });
});

test("a body that does not match its declared x-amz-content-sha256 is refused", () => {
  assert.is(failure({ ...signed(), body: Buffer.from("{}") })._tag, "InvalidSignature");
});

test("a changed signed header does not verify", () => {
  const req = signed();
  assert.is(
    failure({ ...req, headers: { ...req.headers, "x-amz-target": "secretsmanager.DeleteSecret" } })._tag,
    "InvalidSignature",
  );
});

test("a wrong secret key does not verify", () => {
  const req = signedAs({ secretAccessKey: "wrong" });
  assert.equal(failure(req), { _tag: "InvalidSignature", message: SIGNATURE_MISMATCH });
});

test("an unknown access key is an unrecognized client", () => {
  const req = signedAs({ accessKeyId: "AKIDOTHER" });
  assert.equal(failure(req), { _tag: "UnrecognizedClient" });
});

test("a session token we never issued is an unrecognized client", () => {
  const withToken = { ...base, headers: { ...base.headers, "x-amz-security-token": "FQoGZXIvYXdzE" } };
  assert.equal(failure(signed(withToken)), { _tag: "UnrecognizedClient" });
});

test("a request without Authorization is missing its token", () => {
  assert.equal(failure(base), { _tag: "MissingAuthenticationToken" });
});

test("a malformed Authorization header is an incomplete signature", () => {
  const req = signed();
  const auth = String(req.headers["authorization"]);
  assert.is(
    failure({ ...req, headers: { ...req.headers, authorization: auth.replace(/, Signature=.*/, "") } })._tag,
    "IncompleteSignature",
  );
  assert.is(failure({ ...req, headers: { ...req.headers, authorization: "AWS3 foo" } })._tag, "IncompleteSignature");
  assert.is(
    failure({ ...req, headers: { ...req.headers, authorization: auth.replace("/aws4_request", "") } })._tag,
    "IncompleteSignature",
  );
});

test("a request that does not sign Host is an incomplete signature", () => {
  const noHost = { ...base, headers: { "x-amz-target": "secretsmanager.GetSecretValue" } };
  assert.is(failure(signed(noHost))._tag, "IncompleteSignature");
});

test("signatures are valid for 15 minutes either side of the server's clock", () => {
  const req = signed();
  assert.ok(E.isRight(verify(req, NOW + 14 * 60 * 1000)));
  assert.ok(E.isRight(verify(req, NOW - 14 * 60 * 1000)));
  const expired = failure(req, NOW + 16 * 60 * 1000);
  assert.is(expired._tag, "InvalidSignature");
  assert.match((expired as { message: string }).message, /^Signature expired: 20261127T120000Z is now earlier than/);
  assert.match((failure(req, NOW - 16 * 60 * 1000) as { message: string }).message, /^Signature not yet current/);
});

test("a credential scoped to another region or service is refused", () => {
  assert.is(failure(signedAs({}, { region: "eu-west-1", service: "secretsmanager" }))._tag, "InvalidSignature");
  assert.is(failure(signedAs({}, { region: "us-east-1", service: "kms" }))._tag, "InvalidSignature");
});

test.run();
