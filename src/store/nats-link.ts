import {
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
  type NatsConnection,
} from "@nats-io/transport-node";
import { JetStreamApiError } from "@nats-io/jetstream";

/**
 * Whether the service's connection to NATS is up, as the client's status events tell it. While it is down,
 * writes are refused at once (a publish would otherwise wait out its timeout) and audit records are spooled;
 * the client reconnects by itself, and everything resumes when it has.
 */
export class NatsLink {
  private up = true;
  private readonly listeners: Array<(up: boolean) => void> = [];

  constructor(nc: NatsConnection) {
    void (async () => {
      for await (const status of nc.status()) {
        const up = status.type === "reconnect" ? true : status.type === "disconnect" ? false : this.up;
        if (up === this.up) continue;
        this.up = up;
        for (const listener of [...this.listeners]) listener(up);
      }
    })();
  }

  get available(): boolean {
    return this.up;
  }

  /** Resolves when the connection is (again) up. */
  whenUp(): Promise<void> {
    if (this.up) return Promise.resolve();
    return new Promise((resolve) => {
      const once = (up: boolean): void => {
        if (!up) return;
        this.listeners.splice(this.listeners.indexOf(once), 1);
        resolve();
      };
      this.listeners.push(once);
    });
  }

  /** Told each time the connection goes down (false) or comes back (true). */
  onChange(listener: (up: boolean) => void): void {
    this.listeners.push(listener);
  }
}

/** Whether an error is the connection to NATS failing: closed, or no answer in time. */
export const isDisconnection = (e: unknown): boolean =>
  e instanceof ConnectionError ||
  e instanceof ClosedConnectionError ||
  e instanceof DrainingConnectionError ||
  e instanceof TimeoutError ||
  (e instanceof RequestError && e.cause instanceof TimeoutError) ||
  // What the client rejects a flush (or a drain's) with when the connection dropped: only its message says so.
  (e instanceof RequestError && e.message === "connection disconnected");

/**
 * Whether an error is NATS being out of reach, not a refusal or a bug: a disconnection, nobody answering (a
 * stream without a leader, or gone; the JetStream client calls that "jetstream is not enabled"), or JetStream
 * saying it is unavailable for now (status 503, as while a cluster elects a stream's new leader). All of them
 * answer 503 ServiceUnavailable: safe to retry.
 */
export const isUnreachable = (e: unknown): boolean =>
  isDisconnection(e) ||
  e instanceof NoRespondersError ||
  (e instanceof RequestError && e.isNoResponders()) ||
  (e instanceof JetStreamApiError && e.status === 503) ||
  // The JetStream client's "jetstream is not enabled": nobody answered its API (as while its meta leader is
  // elected), which it reports so after its own retries; its cause says so.
  (e instanceof Error && e.cause instanceof RequestError && e.cause.isNoResponders());
