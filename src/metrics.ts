import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** What the gauges read when Prometheus scrapes. */
export type MetricSources = {
  /** The last log sequence the projection has applied. */
  readonly logPosition: () => number;
  /** The log's last sequence as JetStream reports it; rejects while NATS is out of reach. */
  readonly logEnd: () => Promise<number>;
  readonly natsConnected: () => boolean;
  /** Audit records kept on local disk until the audit stream takes them again. */
  readonly auditSpooled: () => number;
};

/**
 * The service's Prometheus metrics (`GET /metrics`): requests and their latency by operation and outcome, where
 * the projection stands against the log, whether NATS is reachable, and Node's own process metrics (memory,
 * event loop, GC). Labels take only bounded values: the operation is one the service knows (else "unknown"),
 * and the outcome "Success" or an AWS error type the service itself sends.
 */
export class Metrics {
  private readonly registry = new Registry();
  private readonly requests: Counter<"operation" | "outcome">;
  private readonly latency: Histogram<"operation" | "outcome">;

  constructor(
    sources: MetricSources,
    private readonly knownOperation: (name: string) => boolean,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "secret_ledger_" });
    this.requests = new Counter({
      name: "secret_ledger_requests_total",
      help: "API requests answered, by operation and outcome (Success or the AWS error type)",
      labelNames: ["operation", "outcome"],
      registers,
    });
    this.latency = new Histogram({
      name: "secret_ledger_request_duration_seconds",
      help: "Time from a request's arrival to its answer, by operation and outcome",
      labelNames: ["operation", "outcome"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    new Gauge({
      name: "secret_ledger_log_position",
      help: "The last log sequence the projection has applied",
      registers,
      collect() {
        this.set(sources.logPosition());
      },
    });
    // One question to JetStream per scrape, shared by the two gauges that need its answer (collected together).
    let asking: Promise<number | undefined> | undefined;
    const logEnd = (): Promise<number | undefined> =>
      (asking ??= sources
        .logEnd()
        .catch(() => undefined)
        .finally(() => {
          asking = undefined;
        }));
    new Gauge({
      name: "secret_ledger_log_end",
      help: "The log's last sequence as JetStream reports it (absent while NATS is out of reach)",
      registers,
      async collect() {
        this.reset();
        const end = await logEnd();
        if (end !== undefined) this.set(end);
      },
    });
    new Gauge({
      name: "secret_ledger_projection_lag",
      help: "Log records the projection has not yet applied (absent while NATS is out of reach)",
      registers,
      async collect() {
        this.reset();
        const end = await logEnd();
        if (end !== undefined) this.set(Math.max(0, end - sources.logPosition()));
      },
    });
    new Gauge({
      name: "secret_ledger_nats_connected",
      help: "1 while the connection to NATS is up, else 0",
      registers,
      collect() {
        this.set(sources.natsConnected() ? 1 : 0);
      },
    });
    new Gauge({
      name: "secret_ledger_audit_spooled_records",
      help: "Audit records kept on local disk until the audit stream takes them again",
      registers,
      collect() {
        this.set(sources.auditSpooled());
      },
    });
  }

  /** One answered request. */
  observe(operation: string, outcome: string, seconds: number): void {
    const labels = { operation: this.knownOperation(operation) ? operation : "unknown", outcome };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
