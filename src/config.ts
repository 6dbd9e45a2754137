import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { dirname, join, resolve } from "node:path";
import { describeProblem } from "./io-ts-problems.js";

/**
 * How much a client may hold the server: open connections at once (more are refused at accept), the time to
 * send a request's headers and its whole request, and how long an idle kept-alive connection stays open. A
 * client that sends slowly, or opens connections and sends nothing, is cut off by these.
 */
export type HttpLimits = {
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
};

/** Everything the service can be told, from SECRET_LEDGER_* variables and NATS_URL. The only config loader. */
export type Config = {
  readonly listen: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  /** Unset: the service starts its own nats-server from nats.conf, data under `dataDir`. */
  readonly natsUrl?: string;
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The keyring file (master keys); `dataDir/keyring.json` unless set, created on first start. */
  readonly keyringFile: string;
  /** The principals file (access keys, identity policies); `dataDir/principals.json` unless set. */
  readonly principalsFile: string;
  /** The rotation functions file (what a RotationLambdaARN names); `functions.json` beside the principals file. */
  readonly functionsFile: string;
  /**
   * Rotation: how many attempts a rotation gets, the wait before the first retry (doubled for each after), and
   * how often the scheduler looks for due rotations and retries.
   */
  readonly rotation: {
    readonly attempts: number;
    readonly retryAfterSeconds: number;
    readonly checkEverySeconds: number;
  };
  /** Whether secret values are withheld when their audit record cannot be written (fail closed). */
  readonly auditFailClosed: boolean;
  readonly logRequests: boolean;
  /** AWS's request-rate quotas (ThrottlingException "Rate exceeded"); off unless turned on. */
  readonly rateLimits: boolean;
  /** Versions: how many a secret keeps before pruning, how old a prunable one must be, and the quota. */
  readonly versions: { readonly keep: number; readonly minAgeHours: number; readonly quota: number };
  /** The most secrets the region may hold, scheduled for deletion or not (AWS: 500,000). */
  readonly secretQuota: number;
  /** How often the compactor runs inside the service. */
  readonly compactEverySeconds: number;
  /** How often the projection's checkpoint is written (and at every stop). */
  readonly checkpointEverySeconds: number;
  /** How many bytes of values' ciphertext read from the log are kept in memory (SECRET_LEDGER_VALUE_CACHE_MB). */
  readonly valueCacheBytes: number;
  /** The regions this one follows: their logs are mirrored here and their secrets replicated here served. */
  readonly follows: ReadonlyArray<string>;
  /** The data directory's nats-server: the port other regions' servers join as leafnodes (unset: any free one). */
  readonly leafnodePort?: number;
  /** The data directory's nats-server: the leafnode URLs of the servers of the regions this one follows. */
  readonly leafnodeRemotes: ReadonlyArray<string>;
  /** How many JetStream servers keep each stream the service makes: 1, or 3 (or 5) on a cluster. */
  readonly streamReplicas: number;
  /**
   * Requests wait until this server's projection holds every record the log held when they began: a request on
   * one server then sees a write another server acknowledged before it. For several servers on one region's log.
   */
  readonly logFence: boolean;
  /** The own nats-server's fsync policy: "always" (acknowledged means on disk) or a duration like "2m". */
  readonly natsSyncInterval: string;
  /** What the HTTP server allows a client (connections at once; header, request and idle times). */
  readonly http: HttpLimits;
};

const Region = t.refinement(t.string, (s) => /^([a-z]+-)+\d+$/.test(s), "region like us-east-1");
const Account = t.refinement(t.string, (s) => /^\d{12}$/.test(s), "12-digit account id");
const HostPort = t.refinement(
  t.string,
  (s) => /^(\[[0-9a-fA-F:]+\]|[^:]+):\d{1,5}$/.test(s) && Number(s.slice(s.lastIndexOf(":") + 1)) <= 65535,
  "host:port",
);
const Count = t.refinement(t.string, (s) => /^[1-9]\d{0,8}$/.test(s), "positive whole number");
const Regions = t.refinement(
  t.string,
  (s) => s.split(",").every((r) => /^([a-z]+-)+\d+$/.test(r.trim())),
  "comma-separated list of regions",
);
const LeafnodeUrls = t.refinement(
  t.string,
  (s) => s.split(",").every((u) => /^nats-leaf:\/\/[^\s,]+:\d{1,5}$/.test(u.trim())),
  "comma-separated list of nats-leaf://host:port",
);
const Port = t.refinement(t.string, (s) => /^\d{1,5}$/.test(s) && Number(s) <= 65535, "port number");
const SyncInterval = t.refinement(
  t.string,
  (s) => /^(always|[1-9]\d*(ms|s|m|h))$/.test(s),
  'sync interval: "always" or a duration like 2m',
);
const Flag = t.keyof({ "0": null, "1": null, true: null, false: null });

const Env = t.partial({
  SECRET_LEDGER_LISTEN: HostPort,
  SECRET_LEDGER_DATA: t.string,
  NATS_URL: t.string,
  SECRET_LEDGER_REGION: Region,
  SECRET_LEDGER_ACCOUNT: Account,
  SECRET_LEDGER_ACCESS_KEY_ID: t.string,
  SECRET_LEDGER_SECRET_ACCESS_KEY: t.string,
  SECRET_LEDGER_KEYRING: t.string,
  SECRET_LEDGER_PRINCIPALS: t.string,
  SECRET_LEDGER_FUNCTIONS: t.string,
  SECRET_LEDGER_ROTATION_ATTEMPTS: Count,
  SECRET_LEDGER_ROTATION_RETRY_SECONDS: Count,
  SECRET_LEDGER_ROTATION_CHECK_SECONDS: Count,
  SECRET_LEDGER_AUDIT_FAIL_CLOSED: Flag,
  SECRET_LEDGER_LOG_REQUESTS: Flag,
  SECRET_LEDGER_RATE_LIMITS: Flag,
  SECRET_LEDGER_VERSIONS_KEEP: Count,
  SECRET_LEDGER_VERSIONS_MIN_AGE_HOURS: Count,
  SECRET_LEDGER_VERSION_QUOTA: Count,
  SECRET_LEDGER_SECRET_QUOTA: Count,
  SECRET_LEDGER_COMPACT_EVERY_SECONDS: Count,
  SECRET_LEDGER_CHECKPOINT_EVERY_SECONDS: Count,
  SECRET_LEDGER_VALUE_CACHE_MB: Count,
  SECRET_LEDGER_FOLLOWS: Regions,
  SECRET_LEDGER_LEAFNODE_PORT: Port,
  SECRET_LEDGER_LEAFNODE_REMOTES: LeafnodeUrls,
  SECRET_LEDGER_STREAM_REPLICAS: t.keyof({ "1": null, "3": null, "5": null }),
  SECRET_LEDGER_LOG_FENCE: Flag,
  SECRET_LEDGER_NATS_SYNC_INTERVAL: SyncInterval,
  SECRET_LEDGER_MAX_CONNECTIONS: Count,
  SECRET_LEDGER_HEADERS_TIMEOUT_SECONDS: Count,
  SECRET_LEDGER_REQUEST_TIMEOUT_SECONDS: Count,
  SECRET_LEDGER_IDLE_TIMEOUT_SECONDS: Count,
});

/** How much of the values read from the log is kept in memory, as ciphertext, unless SECRET_LEDGER_VALUE_CACHE_MB says. */
export const DEFAULT_VALUE_CACHE_BYTES = 64 * 2 ** 20;

const isOn = (flag: string | undefined): boolean => flag === "1" || flag === "true";
const seconds = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s) * 1000);

/**
 * AWS prunes label-less versions beyond 100 once they are 24 hours old. The quota is the most versions a secret
 * may hold: AWS's guidance is that one write every 10 minutes is sustainable, which leaves 144 versions younger
 * than 24 hours (unprunable) plus the labelled ones, so the quota sits just above that, at 150.
 */
export const DEFAULT_VERSIONS = { keep: 100, minAgeHours: 24, quota: 150 } as const;
/** AWS's quota of secrets a region: 500,000. */
export const DEFAULT_SECRET_QUOTA = 500_000;

export const DEFAULT_LISTEN = "127.0.0.1:4584";

/**
 * A failed rotation is retried 4 times (5 attempts), the first retry after a minute, then after 2, 4 and 8; the
 * scheduler looks for due rotations and retries every minute.
 */
export const DEFAULT_ROTATION = { attempts: 5, retryAfterSeconds: 60, checkEverySeconds: 60 } as const;

/**
 * An SDK sends its headers at once and a request in well under a second; a client that takes 10 s for its
 * headers or 30 s for its request is cut off, and a kept-alive connection idle for 5 s is closed (the SDKs
 * reopen one). 1,000 connections at once is far above what one process serves well.
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 1000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

// eslint-disable-next-line complexity -- one optional setting per SECRET_LEDGER_ variable, each with its default.
export const loadConfig = (env: NodeJS.ProcessEnv): E.Either<string, Config> => {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const decoded = Env.decode(defined);
  if (E.isLeft(decoded)) {
    return E.left([...new Set(decoded.left.map(describeProblem))].join("; "));
  }
  const v = decoded.right;
  const keyId = v.SECRET_LEDGER_ACCESS_KEY_ID;
  const secret = v.SECRET_LEDGER_SECRET_ACCESS_KEY;
  if ((keyId === undefined) !== (secret === undefined))
    return E.left("set both SECRET_LEDGER_ACCESS_KEY_ID and SECRET_LEDGER_SECRET_ACCESS_KEY, or neither");
  const listen = v.SECRET_LEDGER_LISTEN ?? DEFAULT_LISTEN;
  const quota = Number(v.SECRET_LEDGER_VERSION_QUOTA ?? DEFAULT_VERSIONS.quota);
  if (quota <= Number(v.SECRET_LEDGER_VERSIONS_KEEP ?? DEFAULT_VERSIONS.keep))
    return E.left("SECRET_LEDGER_VERSION_QUOTA must be above SECRET_LEDGER_VERSIONS_KEEP");
  const colon = listen.lastIndexOf(":");
  const region = v.SECRET_LEDGER_REGION ?? "us-east-1";
  const list = (s: string | undefined): string[] => (s === undefined ? [] : s.split(",").map((x) => x.trim()));
  const follows = [...new Set(list(v.SECRET_LEDGER_FOLLOWS))];
  if (follows.includes(region)) return E.left("SECRET_LEDGER_FOLLOWS must not name the region itself");
  const dataDir = resolve(v.SECRET_LEDGER_DATA ?? "data");
  const principalsFile = resolve(v.SECRET_LEDGER_PRINCIPALS ?? join(dataDir, "principals.json"));
  const http: HttpLimits = {
    maxConnections: Number(v.SECRET_LEDGER_MAX_CONNECTIONS ?? DEFAULT_HTTP_LIMITS.maxConnections),
    headersTimeoutMs: seconds(v.SECRET_LEDGER_HEADERS_TIMEOUT_SECONDS) ?? DEFAULT_HTTP_LIMITS.headersTimeoutMs,
    requestTimeoutMs: seconds(v.SECRET_LEDGER_REQUEST_TIMEOUT_SECONDS) ?? DEFAULT_HTTP_LIMITS.requestTimeoutMs,
    keepAliveTimeoutMs: seconds(v.SECRET_LEDGER_IDLE_TIMEOUT_SECONDS) ?? DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs,
  };
  if (http.headersTimeoutMs > http.requestTimeoutMs)
    return E.left("SECRET_LEDGER_HEADERS_TIMEOUT_SECONDS must not be above SECRET_LEDGER_REQUEST_TIMEOUT_SECONDS");
  return E.right({
    listen: { host: listen.slice(0, colon).replace(/^\[|\]$/g, ""), port: Number(listen.slice(colon + 1)) },
    dataDir,
    ...(v.NATS_URL === undefined ? {} : { natsUrl: v.NATS_URL }),
    region,
    account: v.SECRET_LEDGER_ACCOUNT ?? "000000000000",
    partition: region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws",
    ...(keyId === undefined || secret === undefined
      ? {}
      : { credentials: { accessKeyId: keyId, secretAccessKey: secret } }),
    keyringFile: resolve(v.SECRET_LEDGER_KEYRING ?? join(dataDir, "keyring.json")),
    principalsFile,
    functionsFile: resolve(v.SECRET_LEDGER_FUNCTIONS ?? join(dirname(principalsFile), "functions.json")),
    rotation: {
      attempts: Number(v.SECRET_LEDGER_ROTATION_ATTEMPTS ?? DEFAULT_ROTATION.attempts),
      retryAfterSeconds: Number(v.SECRET_LEDGER_ROTATION_RETRY_SECONDS ?? DEFAULT_ROTATION.retryAfterSeconds),
      checkEverySeconds: Number(v.SECRET_LEDGER_ROTATION_CHECK_SECONDS ?? DEFAULT_ROTATION.checkEverySeconds),
    },
    auditFailClosed: v.SECRET_LEDGER_AUDIT_FAIL_CLOSED === undefined || isOn(v.SECRET_LEDGER_AUDIT_FAIL_CLOSED),
    logRequests: isOn(v.SECRET_LEDGER_LOG_REQUESTS),
    rateLimits: isOn(v.SECRET_LEDGER_RATE_LIMITS),
    versions: {
      keep: Number(v.SECRET_LEDGER_VERSIONS_KEEP ?? DEFAULT_VERSIONS.keep),
      minAgeHours: Number(v.SECRET_LEDGER_VERSIONS_MIN_AGE_HOURS ?? DEFAULT_VERSIONS.minAgeHours),
      quota: Number(v.SECRET_LEDGER_VERSION_QUOTA ?? DEFAULT_VERSIONS.quota),
    },
    secretQuota: Number(v.SECRET_LEDGER_SECRET_QUOTA ?? DEFAULT_SECRET_QUOTA),
    compactEverySeconds: Number(v.SECRET_LEDGER_COMPACT_EVERY_SECONDS ?? 300),
    checkpointEverySeconds: Number(v.SECRET_LEDGER_CHECKPOINT_EVERY_SECONDS ?? 60),
    valueCacheBytes:
      v.SECRET_LEDGER_VALUE_CACHE_MB === undefined
        ? DEFAULT_VALUE_CACHE_BYTES
        : Number(v.SECRET_LEDGER_VALUE_CACHE_MB) * 2 ** 20,
    follows,
    ...(v.SECRET_LEDGER_LEAFNODE_PORT === undefined ? {} : { leafnodePort: Number(v.SECRET_LEDGER_LEAFNODE_PORT) }),
    leafnodeRemotes: list(v.SECRET_LEDGER_LEAFNODE_REMOTES),
    streamReplicas: Number(v.SECRET_LEDGER_STREAM_REPLICAS ?? 1),
    logFence: isOn(v.SECRET_LEDGER_LOG_FENCE),
    natsSyncInterval: v.SECRET_LEDGER_NATS_SYNC_INTERVAL ?? "always",
    http,
  });
};
