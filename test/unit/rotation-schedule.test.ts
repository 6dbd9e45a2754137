import * as E from "fp-ts/lib/Either.js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { daysBetweenRotations, nextWindow, scheduleOf } from "../../src/domain/rotation-schedule.js";
import type { RotationRules } from "../../src/domain/types.js";

// RotationRules as windows: what AWS documents for days, rate() and cron() with Duration, and what it refuses.

const window = (rules: RotationRules, after: number) => {
  const schedule = scheduleOf(rules);
  if (E.isLeft(schedule) || schedule.right === undefined) return assert.unreachable("no schedule");
  const w = nextWindow(schedule.right, after);
  return w === undefined ? undefined : { start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() };
};
const AT = Date.parse("2026-12-07T09:30:00Z"); // a Monday

test("schedules: days, rate() in hours and days, cron() with and without Duration", () => {
  assert.equal(window({ automaticallyAfterDays: 30 }, AT), {
    start: "2027-01-06T00:00:00.000Z",
    end: "2027-01-06T23:59:59.000Z",
  });
  assert.equal(window({ scheduleExpression: "rate(10 days)" }, AT), {
    start: "2026-12-17T00:00:00.000Z",
    end: "2026-12-17T23:59:59.000Z",
  });
  assert.equal(window({ scheduleExpression: "rate(4 hours)" }, AT), {
    start: "2026-12-07T12:00:00.000Z",
    end: "2026-12-07T12:59:59.000Z",
  });
  assert.equal(window({ scheduleExpression: "rate(6 hours)", duration: "2h" }, Date.parse("2026-12-07T19:00:00Z")), {
    start: "2026-12-08T00:00:00.000Z",
    end: "2026-12-08T01:59:59.000Z",
  });
  assert.equal(window({ scheduleExpression: "cron(0 16 ? * MON *)" }, AT), {
    start: "2026-12-07T16:00:00.000Z",
    end: "2026-12-07T23:59:59.000Z",
  });
  assert.equal(window({ scheduleExpression: "cron(0 8 1 * ? *)", duration: "3h" }, AT), {
    start: "2027-01-01T08:00:00.000Z",
    end: "2027-01-01T10:59:59.000Z",
  });
  assert.equal(window({ scheduleExpression: "cron(0 10 ? * TUE#2 *)" }, AT), {
    start: "2026-12-08T10:00:00.000Z",
    end: "2026-12-08T23:59:59.000Z",
  });
  assert.equal(window({ scheduleExpression: "cron(0 0/6 * * ? *)" }, AT), {
    start: "2026-12-07T12:00:00.000Z",
    end: "2026-12-07T12:59:59.000Z",
  });
  const days = (rules: RotationRules) => {
    const s = scheduleOf(rules);
    return E.isRight(s) && s.right !== undefined ? daysBetweenRotations(s.right, AT) : undefined;
  };
  assert.is(days({ scheduleExpression: "rate(10 days)" }), 10);
  assert.is(days({ scheduleExpression: "cron(0 16 ? * MON *)" }), 7);
  assert.is(days({ scheduleExpression: "rate(4 hours)" }), undefined);
});

test("rules AWS refuses: rates under 4 hours, minutes other than 0, windows into the next window or day", () => {
  const refused = (rules: RotationRules) => E.isLeft(scheduleOf(rules));
  assert.ok(refused({ scheduleExpression: "rate(2 hours)" }));
  assert.ok(refused({ scheduleExpression: "rate(1000 days)" }));
  assert.ok(refused({ scheduleExpression: "cron(30 16 ? * MON *)" }));
  assert.ok(refused({ scheduleExpression: "cron(0 16 * * MON *)" }));
  assert.ok(refused({ scheduleExpression: "cron(0 16 ? * MON 2027)" }));
  assert.ok(refused({ scheduleExpression: "rate(4 hours)", duration: "5h" }));
  assert.ok(refused({ scheduleExpression: "cron(0 22 * * ? *)", duration: "3h" }));
  assert.ok(refused({ scheduleExpression: "every day" }));
  assert.ok(refused({ automaticallyAfterDays: 7, duration: "2h" }));
  assert.not.ok(refused({ scheduleExpression: "cron(0 22 * * ? *)", duration: "2h" }));
});

test.run();
