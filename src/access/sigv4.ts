import * as E from "fp-ts/lib/Either.js";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

// AWS Signature Version 4 for requests with an Authorization header, as the SDKs and the CLI send them. The
// verifier recomputes the signature over exactly the headers the client listed in SignedHeaders; the payload
// hash is X-Amz-Content-Sha256 when the client sent it (JS SDK) and SHA-256 of the body otherwise (botocore).

export const ALGORITHM = "AWS4-HMAC-SHA256";
const MAX_SKEW_MS = 15 * 60 * 1000;

export type Credentials = { readonly accessKeyId: string; readonly secretAccessKey: string };

export type SignableRequest = {
  readonly method: string;
  /** Path and query as sent, e.g. `/` or `/?a=b`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
};

/** Why a request is not authenticated; the API edge maps each to AWS's error type. */
export type AuthFailure =
  | { readonly _tag: "MissingAuthenticationToken" }
  | { readonly _tag: "IncompleteSignature"; readonly message: string }
  | { readonly _tag: "UnrecognizedClient" }
  | { readonly _tag: "InvalidSignature"; readonly message: string };

const sha256Hex = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters. */
const uriEncode = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

const canonicalUri = (path: string): string =>
  path
    .split("/")
    .map((segment) => uriEncode(safeDecode(segment)))
    .join("/") || "/";

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

const canonicalQuery = (query: string): string =>
  query === ""
    ? ""
    : query
        .split("&")
        .filter((p) => p !== "")
        .map((p) => {
          const eq = p.indexOf("=");
          const [k, v] = eq < 0 ? [p, ""] : [p.slice(0, eq), p.slice(eq + 1)];
          return [uriEncode(safeDecode(k.replace(/\+/g, " "))), uriEncode(safeDecode(v.replace(/\+/g, " ")))] as const;
        })
        .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : 1) : ak < bk ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join("&");

const headerValue = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return v === undefined ? undefined : Array.isArray(v) ? v.join(",") : v;
};

const canonicalRequest = (req: SignableRequest, signedHeaders: ReadonlyArray<string>, payloadHash: string): string => {
  const q = req.url.indexOf("?");
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? "" : req.url.slice(q + 1);
  const headerLines = signedHeaders.map(
    (h) => `${h}:${(headerValue(req.headers, h) ?? "").trim().replace(/\s+/g, " ")}\n`,
  );
  return [
    req.method,
    canonicalUri(path),
    canonicalQuery(query),
    headerLines.join(""),
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
};

/** kSigning by scope (day/region/service), then by secret key: it changes once a day. */
const signingKeys = new Map<string, Map<string, Buffer>>();

/**
 * kSigning for one secret, day, region and service; cached, since it changes once a day. (The secret keys are
 * in this process's memory anyway, in the principals; keying by them saves hashing one on every request.)
 */
const signingKey = (secret: string, date: string, region: string, service: string): Buffer => {
  const scope = `${date}/${region}/${service}`;
  let byScope = signingKeys.get(scope);
  const known = byScope?.get(secret);
  if (known !== undefined) return known;
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
  if (byScope === undefined) {
    if (signingKeys.size >= 8) signingKeys.clear();
    byScope = new Map();
    signingKeys.set(scope, byScope);
  }
  if (byScope.size >= 1024) byScope.clear();
  byScope.set(secret, key);
  return key;
};

const signature = (
  req: SignableRequest,
  signedHeaders: ReadonlyArray<string>,
  payloadHash: string,
  amzDate: string,
  scope: { readonly date: string; readonly region: string; readonly service: string },
  secret: string,
): string => {
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [
    ALGORITHM,
    amzDate,
    credentialScope,
    sha256Hex(canonicalRequest(req, signedHeaders, payloadHash)),
  ].join("\n");
  return createHmac("sha256", signingKey(secret, scope.date, scope.region, scope.service))
    .update(stringToSign, "utf8")
    .digest("hex");
};

/** `20261127T212530Z` for a time in epoch milliseconds. */
export const amzDateOf = (millis: number): string =>
  new Date(millis)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

const parseAmzDate = (s: string): number | undefined => {
  if (s === lastAmzDate.text) return lastAmzDate.millis;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as [number, number, number, number, number, number, number];
  const millis = Date.UTC(y, mo - 1, d, h, mi, se);
  if (Number.isNaN(millis)) return undefined;
  lastAmzDate = { text: s, millis };
  return millis;
};

/** The last X-Amz-Date parsed: requests signed within one second carry the same one (1.3 % of a read's CPU). */
let lastAmzDate: { readonly text: string; readonly millis: number | undefined } = { text: "", millis: undefined };

/**
 * Signs a request the way the AWS SDKs do (used by the tests and the benchmark as a lean client). Returns the
 * headers to add: x-amz-date, x-amz-content-sha256 and authorization.
 */
export const signRequest = (
  req: SignableRequest,
  credentials: Credentials,
  scope: { readonly region: string; readonly service: string },
  now: number,
  options: { readonly contentSha256Header?: boolean } = {},
): Record<string, string> => {
  const amzDate = amzDateOf(now);
  const payloadHash = sha256Hex(req.body);
  // The JS SDK sends X-Amz-Content-Sha256; botocore and the CLI do not.
  const hashHeader = options.contentSha256Header === false ? {} : { "x-amz-content-sha256": payloadHash };
  const headers: IncomingHttpHeaders = { ...lowerCased(req.headers), "x-amz-date": amzDate, ...hashHeader };
  const signedHeaders = Object.keys(headers).sort();
  const date = amzDate.slice(0, 8);
  const sig = signature(
    { ...req, headers },
    signedHeaders,
    payloadHash,
    amzDate,
    { date, ...scope },
    credentials.secretAccessKey,
  );
  return {
    "x-amz-date": amzDate,
    ...hashHeader,
    authorization: `${ALGORITHM} Credential=${credentials.accessKeyId}/${date}/${scope.region}/${scope.service}/aws4_request, SignedHeaders=${signedHeaders.join(";")}, Signature=${sig}`,
  };
};

const lowerCased = (headers: IncomingHttpHeaders): IncomingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

const incomplete = (message: string): E.Either<AuthFailure, never> => E.left({ _tag: "IncompleteSignature", message });
const invalid = (message: string): E.Either<AuthFailure, never> => E.left({ _tag: "InvalidSignature", message });

export const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/** Checks a request's SigV4 signature; on success, names the access key that signed it. */
export const verifyRequest = (
  req: SignableRequest,
  opts: {
    readonly credentialsFor: (accessKeyId: string) => Credentials | undefined;
    readonly region: string;
    readonly service: string;
    readonly now: number;
  },
  // eslint-disable-next-line complexity -- SigV4 verification is one sequence of AWS checks, each answered with its own error; split, it reads worse.
): E.Either<AuthFailure, { readonly accessKeyId: string }> => {
  const authorization = headerValue(req.headers, "authorization");
  if (authorization === undefined || authorization.trim() === "") return E.left({ _tag: "MissingAuthenticationToken" });
  const [algorithm, ...rest] = authorization.trim().split(/\s+/);
  if (algorithm !== ALGORITHM)
    return incomplete(`Authorization header requires the ${ALGORITHM} algorithm. Authorization=${algorithm ?? ""}`);
  const params = new Map<string, string>();
  for (const part of rest.join(" ").split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const required of ["Credential", "SignedHeaders", "Signature"])
    if (!params.has(required))
      return incomplete(
        `Authorization header requires '${required}' parameter. Authorization=${ALGORITHM} ${[...params.keys()].join(", ")}`,
      );
  const credential = (params.get("Credential") as string).split("/");
  if (credential.length !== 5 || credential[4] !== "aws4_request")
    return incomplete(
      `Credential should be scoped to a valid region, service and date, and end in aws4_request: ${credential.slice(1).join("/")}`,
    );
  const [accessKeyId, date, region, service] = credential as [string, string, string, string, string];
  const signedHeaders = (params.get("SignedHeaders") as string).split(";").filter((h) => h !== "");
  const givenSignature = params.get("Signature") as string;

  const amzDate = headerValue(req.headers, "x-amz-date");
  const dateHeader = headerValue(req.headers, "date");
  if (amzDate === undefined && dateHeader === undefined)
    return incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (!signedHeaders.includes("host")) return incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  if (amzDate === undefined)
    return incomplete("The request must carry an 'X-Amz-Date' header in basic ISO-8601 format.");
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined)
    return incomplete(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'", got '${amzDate}'.`);
  // The stamps in the refusals are made only for a refusal: formatting a date on every request showed in profiles.
  if (signedAt < opts.now - MAX_SKEW_MS)
    return invalid(
      `Signature expired: ${amzDate} is now earlier than ${amzDateOf(opts.now - MAX_SKEW_MS)} (${amzDateOf(opts.now)} - 15 min.)`,
    );
  if (signedAt > opts.now + MAX_SKEW_MS)
    return invalid(
      `Signature not yet current: ${amzDate} is still later than ${amzDateOf(opts.now + MAX_SKEW_MS)} (${amzDateOf(opts.now)} + 15 min.)`,
    );
  if (date !== amzDate.slice(0, 8))
    return invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  if (service !== opts.service) return invalid(`Credential should be scoped to correct service: '${opts.service}'. `);
  if (region !== opts.region) return invalid(`Credential should be scoped to a valid region. `);

  const credentials = opts.credentialsFor(accessKeyId);
  // Static credentials carry no session token: a request that brings one names a session we never issued.
  if (credentials === undefined || headerValue(req.headers, "x-amz-security-token") !== undefined)
    return E.left({ _tag: "UnrecognizedClient" });

  const bodyHash = sha256Hex(req.body);
  const declaredHash = headerValue(req.headers, "x-amz-content-sha256");
  // The body is covered by the signature only through its hash: a declared hash must be the body's.
  if (declaredHash !== undefined && declaredHash !== bodyHash)
    return invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
  const expected = signature(
    req,
    signedHeaders,
    bodyHash,
    amzDate,
    { date, region, service },
    credentials.secretAccessKey,
  );
  const given = Buffer.from(givenSignature, "utf8");
  const wanted = Buffer.from(expected, "utf8");
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return invalid(SIGNATURE_MISMATCH);
  return E.right({ accessKeyId });
};
