import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Test } from "uvu";
import { EventLog } from "../../src/store/event-log.js";
import { freshRegion, sharedNatsUrl } from "./nats.js";

/**
 * A suite's `before` or `after` hook whose failure is printed before it fails the suite. uvu keeps quiet about
 * those: its runner returns from a `finally`, which drops the error, and the suite shows only "(0 / N)". Every such
 * hook is written `Suite.before(told(async (ctx) => …))` (test/unit/architecture.test.ts checks it).
 */
export const told =
  <T>(hook: (ctx: T) => unknown): ((ctx: T) => Promise<void>) =>
  async (ctx) => {
    try {
      await hook(ctx);
    } catch (e) {
      process.stderr.write(
        `\nthe suite's before or after hook failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      throw e;
    }
  };

/** What a suite on a log of its own holds: a connection to the run's nats-server, and a fresh region's log. */
export type OnFreshLog = { nc: NatsConnection; log: EventLog; region: string };

/** Gives suite `on` a fresh region's log on the run's shared nats-server, its connection drained after. */
export const onFreshLog = <T extends OnFreshLog>(on: Test<T>): void => {
  on.before(
    told(async (ctx: T) => {
      ctx.nc = await connect({ servers: sharedNatsUrl() });
      ctx.region = freshRegion();
      ctx.log = await EventLog.open(ctx.nc, ctx.region);
    }),
  );
  on.after(
    told(async (ctx: T) => {
      await ctx.nc.drain();
    }),
  );
};
