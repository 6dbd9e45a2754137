import type { AddressInfo } from "node:net";
import { Authorizer } from "../access/authorizer.js";
import type { Identity } from "../access/principals.js";
import { auditOperationsOf } from "../api/audit-operations.js";
import { ledgerOperationsOf } from "../api/ledger-operations.js";
import { operationNames } from "../api/model.js";
import { operationsOf, type Operation } from "../api/operations.js";
import { RateLimits } from "../api/rate-limits.js";
import { createApiServer, type ProbeAnswer, type RequestLog } from "../api/server.js";
import { accessTarget } from "../application/queries/access-target.js";
import type { Clock } from "../application/ports.js";
import type { Service } from "../application/service.js";
import type { Auditor } from "../audit/auditor.js";
import type { Config } from "../config.js";
import { Metrics } from "../metrics.js";
import { pageFiles } from "./pages.js";
import type { EventLog } from "../store/event-log.js";
import type { NatsLink } from "../store/nats-link.js";
import { errorText, type Logger } from "./logger.js";
import type { Started } from "./parts.js";

// The HTTP API: Secrets Manager's operations and the ledger's own, the probes and the metrics.

/** How long /readyz waits for JetStream's answer, and for the projection to reach the log's end. */
const READY_WAIT_MS = 2000;

/** `promise`, or a rejection once `ms` have passed. */
const bounded = <T>(promise: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

export const startHttp = async (deps: {
  readonly config: Config;
  readonly service: Service;
  readonly log: EventLog;
  readonly link: NatsLink;
  readonly auditor: Auditor;
  readonly identityOf: (accessKeyId: string) => Identity | undefined;
  readonly clock: Clock;
  /** The time signatures are checked against. */
  readonly authClock: Clock;
  readonly logger: Logger;
  readonly operations?: Readonly<Record<string, Operation>>;
  /** The audit trail; on unless the benchmark measures what it costs. */
  readonly audit: boolean;
}): Promise<Started<{ readonly endpoint: string }>> => {
  const { config, service, log, link, auditor, logger } = deps;
  const { catalog } = service;
  const authorizer = new Authorizer(config.account, (secretId) => accessTarget(service, secretId));
  const ledgerOperations = {
    ...ledgerOperationsOf({
      log,
      service,
      authorizer,
      onUnreadable: (seq, why) => logger({ level: "error", msg: "log record passed over", seq, why }),
    }),
    ...auditOperationsOf({ auditor, authorizer }),
  };
  const metrics = new Metrics(
    {
      logPosition: () => catalog.checkpoint,
      logEnd: () => (link.available ? log.lastSeq() : Promise.reject(new Error("NATS out of reach"))),
      natsConnected: () => link.available,
      auditSpooled: () => auditor.spooled,
    },
    (name) => operationNames.includes(name) || Object.hasOwn(ledgerOperations, name),
  );
  /** Ready: NATS reachable, and the projection holds every record the log holds (or gets there soon). */
  const readiness = async (): Promise<ProbeAnswer> => {
    let end: number | undefined;
    let caughtUp = false;
    if (link.available)
      try {
        end = await bounded(log.lastSeq(), READY_WAIT_MS);
        caughtUp = catalog.checkpoint >= end || (await bounded(catalog.whenCaughtUp(end), READY_WAIT_MS), true);
      } catch {
        // Not reachable in time, or not caught up in time: not ready.
      }
    const ready = link.available && end !== undefined && caughtUp;
    return {
      status: ready ? 200 : 503,
      contentType: "application/json",
      body: JSON.stringify({
        ready,
        nats: link.available,
        logEnd: end ?? null,
        logPosition: catalog.checkpoint,
        auditSpooled: auditor.spooled,
      }),
    };
  };
  const requestLog: RequestLog = (entry) => {
    metrics.observe(entry.operation, entry.errorType ?? "Success", entry.millis / 1000);
    if (config.logRequests || entry.status >= 500)
      logger({ level: entry.status >= 500 ? "error" : "info", msg: "request", ...entry });
  };
  const server = createApiServer({
    operations: deps.operations ?? operationsOf(service, authorizer),
    ledgerOperations,
    identityOf: deps.identityOf,
    limits: config.http,
    probes: {
      "/healthz": () => Promise.resolve({ status: 200, contentType: "text/plain", body: "ok\n" }),
      "/readyz": readiness,
      "/metrics": async () => ({ status: 200, ...(await metrics.exposition()) }),
      ...pageFiles(service.home),
    },
    ...(deps.audit
      ? {
          audit: {
            record: (entry, waited) => auditor.record(entry, waited),
            failClosed: config.auditFailClosed,
            targetOf: (secretId) => accessTarget(service, secretId).shownAs,
            onFailure: (requestId, error) =>
              logger({
                level: "error",
                msg: config.auditFailClosed
                  ? "audit record not written; secret values withheld"
                  : "audit record not written",
                requestId,
                error: errorText(error),
              }),
          },
        }
      : {}),
    region: config.region,
    clock: deps.authClock,
    log: requestLog,
    ...(config.rateLimits ? { rateLimits: new RateLimits(deps.clock) } : {}),
    onInternalError: (requestId, error) =>
      logger({ level: "error", msg: "internal error", requestId, error: errorText(error) }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.listen.port, config.listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    endpoint: `http://${host}:${address.port}`,
    // Stop taking requests and let those under way finish.
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
};
