/* eslint-disable max-lines -- Over 300 lines: the HTTP edge keeps the node:http limits, parsing, signing, routing and
   audit of one request in one place, so the order they happen in is read top to bottom. */
import * as E from "fp-ts/lib/Either.js";
import { randomUUID } from "node:crypto";
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import {
  bodyTooLarge,
  fromAuthFailure,
  fromInputProblems,
  headersTooLarge,
  internalError,
  malformedBody,
  serviceUnavailable,
  notYetSupported,
  requestTimedOut,
  throttled,
  unknownOperation,
  unparseableRequest,
  type AwsError,
} from "./errors.js";
import type { Caller } from "../access/authorizer.js";
import type { Identity } from "../access/principals.js";
import type { AuditEntry } from "../audit/chain.js";
import { auditFacts } from "../audit/facts.js";
import { LEDGER_TARGET_PREFIX, type LedgerOperation } from "./ledger-operations.js";
import { decodeInput, operationNames } from "./model.js";
import type { Operation } from "./operations.js";
import type { RateLimits } from "./rate-limits.js";
import { verifyRequest } from "../access/sigv4.js";
import type { HttpLimits } from "../config.js";
import { isUnreachable } from "../store/nats-link.js";

// The AWS JSON 1.1 edge: POST / with X-Amz-Target: secretsmanager.<Operation>, SigV4 on every request.

const TARGET_PREFIX = "secretsmanager.";
const CONTENT_TYPE = "application/x-amz-json-1.1";
/** A request holds at most a 64 KiB value, base64-encoded, and small members; 1 MiB is far above that. */
const MAX_BODY_BYTES = 1024 * 1024;

export type RequestLog = (entry: {
  readonly requestId: string;
  readonly operation: string;
  readonly status: number;
  readonly errorType?: string;
  readonly millis: number;
  readonly accessKeyId?: string;
}) => void;

export type ApiOptions = {
  readonly operations: Readonly<Record<string, Operation>>;
  /** secret-ledger's own operations (`secretledger.<Operation>`): history and state from the log. */
  readonly ledgerOperations?: Readonly<Record<string, LedgerOperation>>;
  /** Who an access key belongs to: its secret key and principal. */
  readonly identityOf: (accessKeyId: string) => Identity | undefined;
  readonly region: string;
  readonly clock: () => number;
  readonly log: RequestLog;
  readonly onInternalError: (requestId: string, error: unknown) => void;
  /** AWS's request-rate quotas, when they are turned on. */
  readonly rateLimits?: RateLimits;
  /** What the server allows a connection and a request (see HttpLimits). */
  readonly limits: HttpLimits;
  /** Unsigned GET endpoints beside the API (health, readiness, metrics, the web page's files), by path. */
  readonly probes?: Readonly<Record<string, () => Promise<ProbeAnswer>>>;
  /** Every request becomes an audit record; answers that carry secret values wait for theirs. */
  readonly audit?: {
    /** `waited`: whether the answer waits for the record (it carries values). */
    record(entry: AuditEntry, waited: boolean): Promise<void>;
    /** Withhold secret values when their record cannot be written (else answer, and report the failure). */
    readonly failClosed: boolean;
    /** A SecretId as its ARN when it names a secret, else as given. */
    targetOf(secretId: string): string;
    onFailure(requestId: string, error: unknown): void;
  };
};

export type ProbeAnswer = {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** More headers (the web page's security policy). */
  readonly headers?: Readonly<Record<string, string>>;
};

/** Decodes strictly: a body that is not UTF-8 is refused as unreadable (JSON is UTF-8), not patched up. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** At most this many request headers are read (an SDK sends about ten); at most 16 KiB of them in all. */
const MAX_HEADERS = 100;
const MAX_HEADER_BYTES = 16 * 1024;

/** The Secrets Manager operations whose answers carry secret values. */
const VALUE_OPERATIONS = new Set(["GetSecretValue", "BatchGetSecretValue"]);
const MAX_USER_AGENT = 256;

/** The body, up to MAX_BODY_BYTES; a larger one (declared, or as it arrives) is not kept. */
const readBody = (req: IncomingMessage): Promise<Buffer | "too-large"> =>
  new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return resolve("too-large");
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? "too-large" : Buffer.concat(chunks)));
    req.on("error", reject);
  });

/** A null body is an operation without output: an empty 200, as AWS JSON 1.1 servers send it. */
const send = (res: ServerResponse, status: number, body: object | null, requestId: string, now: number): void => {
  const payload = body === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body), "utf8");
  res.writeHead(status, {
    "Content-Type": CONTENT_TYPE,
    "Content-Length": payload.length,
    "x-amzn-RequestId": requestId,
    Date: httpDate(now),
  });
  res.end(payload);
};

/** The Date header of the second `now` falls in, formatted once a second. */
const httpDate = (now: number): string => {
  const second = Math.floor(now / 1000);
  if (second !== lastDate.second) lastDate = { second, text: new Date(now).toUTCString() };
  return lastDate.text;
};
let lastDate = { second: -1, text: "" };

const errorBody = (e: AwsError): object => ({ __type: e.type, [e.messageKey]: e.message });

const claimedAccessKeyId = (req: IncomingMessage): string | null => {
  const authorization = req.headers["authorization"];
  const claimed = typeof authorization === "string" ? /Credential=([A-Za-z0-9]{1,128})\//.exec(authorization) : null;
  return claimed?.[1] ?? null;
};

const userAgentOf = (req: IncomingMessage): string => {
  const agent = req.headers["user-agent"];
  return typeof agent === "string" ? agent.slice(0, MAX_USER_AGENT) : "";
};

type Handled = {
  readonly status: number;
  readonly body: object | null;
  readonly op: string;
  readonly error?: AwsError;
  readonly accessKeyId?: string;
  readonly caller?: Caller;
  readonly input?: Record<string, unknown>;
  /** A successful answer that carries secret values: it waits for its audit record. */
  readonly carriesValues?: boolean;
};

export const createApiServer = (opts: ApiOptions): Server => {
  // eslint-disable-next-line complexity -- the request path reads top to bottom: limits, parse, sign, route, audit, answer.
  const handle = async (req: IncomingMessage, requestId: string): Promise<Handled> => {
    // What the request has shown so far, for the audit record of a failure.
    const known: { caller?: Caller; input?: Record<string, unknown> } = {};
    const fail = (error: AwsError, op: string, accessKeyId?: string): Handled => ({
      status: error.status,
      body: errorBody(error),
      error,
      op,
      ...(accessKeyId === undefined ? {} : { accessKeyId }),
      ...known,
    });
    const body = await readBody(req);
    if (body === "too-large") return fail(bodyTooLarge, "");
    const target = typeof req.headers["x-amz-target"] === "string" ? req.headers["x-amz-target"] : "";
    const ledger = target.startsWith(LEDGER_TARGET_PREFIX);
    const opName = target.startsWith(TARGET_PREFIX)
      ? target.slice(TARGET_PREFIX.length)
      : ledger
        ? target.slice(LEDGER_TARGET_PREFIX.length)
        : "";
    // The key's owner, looked up once (a principals file check is a stat): the signature is checked with its key.
    let owner: Identity | undefined;
    const auth = verifyRequest(
      { method: req.method ?? "", url: req.url ?? "/", headers: req.headers, body },
      {
        credentialsFor: (id) => {
          owner = opts.identityOf(id);
          return owner?.credentials;
        },
        region: opts.region,
        service: "secretsmanager",
        now: opts.clock(),
      },
    );
    if (E.isLeft(auth)) return fail(fromAuthFailure(auth.left), opName || target);
    const { accessKeyId } = auth.right;
    const identity = owner;
    if (identity === undefined) return fail(fromAuthFailure({ _tag: "UnrecognizedClient" }), opName || target);
    const caller: Caller = {
      requestId,
      principal: identity.principal,
      accessKeyId,
      sourceIp: req.socket.remoteAddress ?? "",
      userAgent: userAgentOf(req),
    };
    known.caller = caller;
    const ledgerOperation = ledger ? opts.ledgerOperations?.[opName] : undefined;
    if (
      req.method !== "POST" ||
      (req.url ?? "/").split("?")[0] !== "/" ||
      (ledger ? ledgerOperation === undefined : !operationNames.includes(opName))
    )
      return fail(unknownOperation(target), target, accessKeyId);
    const operation = opts.operations[opName];
    if (!ledger && operation === undefined) return fail(notYetSupported(opName), opName, accessKeyId);
    if (opts.rateLimits !== undefined && !opts.rateLimits.admit(opName)) return fail(throttled, opName, accessKeyId);

    let json: unknown = {};
    if (body.length > 0) {
      try {
        json = JSON.parse(utf8.decode(body));
      } catch {
        return fail(malformedBody("The request body is not valid JSON."), opName, accessKeyId);
      }
    }
    if (ledgerOperation !== undefined) {
      const ledgerInput = ledgerOperation.decode(json);
      if (E.isLeft(ledgerInput)) return fail(ledgerInput.left, opName, accessKeyId);
      known.input = ledgerInput.right;
      const answered = await ledgerOperation.run(ledgerInput.right, caller);
      if (E.isLeft(answered)) return fail(answered.left, opName, accessKeyId);
      const carriesValues = ledgerOperation.carriesValues(ledgerInput.right);
      return {
        status: 200,
        body: answered.right,
        op: opName,
        accessKeyId,
        caller,
        input: ledgerInput.right,
        carriesValues,
      };
    }
    const decoded = decodeInput(opName, json);
    if (E.isLeft(decoded)) return fail(fromInputProblems(decoded.left), opName, accessKeyId);
    const input = decoded.right;
    known.input = input;
    const result = await (operation as Operation)(decoded.right, caller);
    if (E.isLeft(result)) return fail(result.left, opName, accessKeyId);
    return {
      status: 200,
      body: result.right,
      op: opName,
      accessKeyId,
      caller,
      input,
      carriesValues: VALUE_OPERATIONS.has(opName),
    };
  };

  /** The request's audit record; a value-carrying answer is withheld if its record cannot be written. */
  const audited = async (req: IncomingMessage, requestId: string, out: Handled): Promise<Handled> => {
    const audit = opts.audit;
    if (audit === undefined) return out;
    const facts = auditFacts(out.input, out.status === 200 ? out.body : undefined, (id) => audit.targetOf(id));
    const entry: AuditEntry = {
      time: new Date(opts.clock()).toISOString(),
      requestId,
      principal: out.caller?.principal.arn ?? null,
      // Unverified when the signature failed: the key id the request claimed, which is what an auditor wants.
      accessKeyId: out.caller?.accessKeyId ?? claimedAccessKeyId(req),
      sourceIp: req.socket.remoteAddress ?? "",
      userAgent: userAgentOf(req),
      operation: out.op,
      secretArns: [...facts.secretArns],
      versionIds: [...facts.versionIds],
      outcome: out.error?.type ?? "Success",
    };
    const written = audit.record(entry, out.carriesValues === true);
    if (out.carriesValues !== true) {
      written.catch((e: unknown) => audit.onFailure(requestId, e));
      return out;
    }
    try {
      await written;
      return out;
    } catch (e) {
      audit.onFailure(requestId, e);
      if (!audit.failClosed) return out;
      return { status: internalError.status, body: errorBody(internalError), error: internalError, op: out.op };
    }
  };

  // A Map: a path such as "constructor" must not find what every object has.
  const probes = new Map(Object.entries(opts.probes ?? {}));
  const server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      // How often the header and request times are checked (node's default, 30 s, would let them run over).
      connectionsCheckingInterval: Math.min(1000, opts.limits.headersTimeoutMs),
    },
    (req, res) => {
      const probe = req.method === "GET" ? probes.get((req.url ?? "").split("?")[0] ?? "") : undefined;
      if (probe !== undefined) {
        req.resume();
        probe().then(
          (answer) => {
            res.writeHead(answer.status, {
              ...answer.headers,
              "Content-Type": answer.contentType,
              "Content-Length": Buffer.byteLength(answer.body),
            });
            res.end(answer.body);
          },
          (error: unknown) => {
            opts.onInternalError("", error);
            res.writeHead(500).end();
          },
        );
        return;
      }
      const started = performance.now();
      const requestId = randomUUID();
      handle(req, requestId)
        .then((out) => audited(req, requestId, out))
        .catch((error: unknown) => {
          // Only the service's own failures get here: NATS out of reach (retryable), or a bug; never bad input.
          const unreachable = isUnreachable(error);
          if (!unreachable) opts.onInternalError(requestId, error);
          const failure = unreachable ? serviceUnavailable : internalError;
          const handled: Handled = { status: failure.status, body: errorBody(failure), error: failure, op: "" };
          return handled;
        })
        .then((out) => {
          // A body too large is not read: the connection cannot carry another request after it. A server that
          // is stopping closes each connection after its answer under way, so that the stop does not wait forever.
          if (out.error === bodyTooLarge || !server.listening) res.setHeader("Connection", "close");
          send(res, out.status, out.body, requestId, opts.clock());
          opts.log({
            requestId,
            operation: out.op,
            status: out.status,
            ...(out.error === undefined ? {} : { errorType: out.error.type }),
            millis: Math.round((performance.now() - started) * 1000) / 1000,
            ...(out.accessKeyId === undefined ? {} : { accessKeyId: out.accessKeyId }),
          });
        })
        .catch((error: unknown) => opts.onInternalError(requestId, error));
    },
  );
  // A request node:http cannot parse (headers too large, a broken request line, too slow): an AWS-style error,
  // then the connection is closed, as it cannot carry another request.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return void socket.destroy();
    const failure =
      error.code === "HPE_HEADER_OVERFLOW"
        ? headersTooLarge
        : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? requestTimedOut
          : unparseableRequest;
    const body = JSON.stringify(errorBody(failure));
    socket.end(
      `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status] ?? ""}\r\nContent-Type: ${CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  server.maxConnections = opts.limits.maxConnections;
  server.maxHeadersCount = MAX_HEADERS;
  server.headersTimeout = opts.limits.headersTimeoutMs;
  server.requestTimeout = opts.limits.requestTimeoutMs;
  server.keepAliveTimeout = opts.limits.keepAliveTimeoutMs;
  return server;
};
