import * as E from "fp-ts/lib/Either.js";
import type { Millis, RotationRules } from "./types.js";

// RotationRules as a schedule of windows (AWS's "Schedule expressions in Secrets Manager rotation"): a number of
// days after the last rotation, rate(N hours|days) with windows from UTC midnight, or cron(0 H dom mon dow *).
// A window opens at its start and closes `windowMs` later; NextRotationDate is the end of the next window.

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export type Schedule =
  /** AutomaticallyAfterDays, or rate(N days): the window is the UTC day N days after the last rotation. */
  | { readonly kind: "days"; readonly days: number; readonly windowMs: number; readonly expression: boolean }
  /** rate(N hours): windows open at 00:00, N:00, 2N:00 … of every UTC day. */
  | { readonly kind: "hours"; readonly hours: number; readonly windowMs: number }
  | { readonly kind: "cron"; readonly cron: Cron; readonly windowMs: number };

type Cron = {
  readonly hours: ReadonlyArray<number>;
  readonly daysOfMonth: "any" | { readonly days: ReadonlySet<number>; readonly last: boolean };
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday, as JavaScript counts; `nth`: the nth such weekday of the month (`#`). */
  readonly daysOfWeek: "any" | { readonly days: ReadonlySet<number>; readonly nth?: number };
};

/** Why RotationRules cannot be a schedule: InvalidParameterException's message. */
export type ScheduleProblem = { readonly message: string };

const problem = (message: string): E.Either<ScheduleProblem, never> => E.left({ message });

/** The schedule the rules give; rules with neither days nor an expression have none (a rotation on demand). */
export const scheduleOf = (rules: RotationRules): E.Either<ScheduleProblem, Schedule | undefined> => {
  const { automaticallyAfterDays: days, scheduleExpression: expression, duration } = rules;
  if (days !== undefined && expression !== undefined)
    return problem("You can't specify both AutomaticallyAfterDays and ScheduleExpression in RotationRules.");
  const window = duration === undefined ? E.right(undefined) : durationOf(duration);
  if (E.isLeft(window)) return window;
  const windowMs = window.right;
  if (days !== undefined) {
    if (windowMs !== undefined) return problem("Duration can be used only with a ScheduleExpression.");
    return E.right({ kind: "days", days, windowMs: DAY_MS, expression: false });
  }
  if (expression === undefined)
    return windowMs === undefined ? E.right(undefined) : problem("Duration requires a ScheduleExpression.");
  const rate = /^rate\(\s*(\d+)\s+(hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (rate !== null) return rateOf(Number(rate[1]), (rate[2] as string).startsWith("hour"), windowMs);
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (cron !== null) return cronOf((cron[1] as string).trim().split(/\s+/), windowMs);
  return problem("Invalid ScheduleExpression: use rate(N hours), rate(N days) or cron(0 H dom mon dow *).");
};

const durationOf = (duration: string): E.Either<ScheduleProblem, number> => {
  const hours = /^(\d+)h$/.exec(duration);
  const n = hours === null ? NaN : Number(hours[1]);
  if (!(n >= 1 && n <= 24)) return problem("Duration must be between 1h and 24h.");
  return E.right(n * HOUR_MS);
};

const rateOf = (n: number, inHours: boolean, windowMs: number | undefined): E.Either<ScheduleProblem, Schedule> => {
  if (inHours) {
    if (n < 4 || n > 23) return problem("A rate() in hours must be between 4 and 23 hours.");
    const window = windowMs ?? HOUR_MS;
    if (window > n * HOUR_MS) return problem("The rotation window can't extend into the next rotation window.");
    return E.right({ kind: "hours", hours: n, windowMs: window });
  }
  if (n < 1 || n > 999) return problem("A rate() in days must be between 1 and 999 days.");
  return E.right({ kind: "days", days: n, windowMs: windowMs ?? DAY_MS, expression: true });
};

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** One cron field: `*`, n, a-b, a/s, a-b/s (`*` with a step too) and lists of them; names where given. */
const fieldValues = (
  field: string,
  min: number,
  max: number,
  names: ReadonlyArray<string> = [],
  offset = min,
): Set<number> | undefined => {
  const valueOf = (s: string): number => {
    const named = names.indexOf(s.toUpperCase());
    return named >= 0 ? named + offset : /^\d+$/.test(s) ? Number(s) : NaN;
  };
  const values = new Set<number>();
  for (const part of field.split(",")) {
    const m = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(part);
    if (m === null) return undefined;
    const [range, step] = [m[1] as string, m[2] === undefined ? 1 : Number(m[2])];
    const [from, to] =
      range === "*"
        ? [min, max]
        : range.includes("-")
          ? (range.split("-").map(valueOf) as [number, number])
          : [valueOf(range), m[2] === undefined ? valueOf(range) : max];
    if (!(from >= min && to <= max && from <= to && step >= 1)) return undefined;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
};

const cronOf = (fields: ReadonlyArray<string>, windowMs: number | undefined): E.Either<ScheduleProblem, Schedule> => {
  if (fields.length !== 6)
    return problem("A cron() expression has six fields: minutes hours day-of-month month day-of-week year.");
  const [minutes, hourField, domField, monthField, dowField, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (minutes !== "0") return problem("The minutes field of a cron() expression must be 0.");
  if (year !== "*") return problem("The year field of a cron() expression must be *.");
  if ((domField === "?") === (dowField === "?"))
    return problem("Specify ? in exactly one of the day-of-month and day-of-week fields.");
  const hours = fieldValues(hourField, 0, 23);
  const months = fieldValues(monthField, 1, 12, MONTHS, 1);
  if (hours === undefined || months === undefined) return problem("Invalid cron() expression.");
  let daysOfMonth: Cron["daysOfMonth"] = "any";
  if (domField !== "?" && domField !== "*") {
    const last = domField === "L";
    const days = last ? new Set<number>() : fieldValues(domField, 1, 31);
    if (days === undefined) return problem("Invalid day-of-month in cron() expression.");
    daysOfMonth = { days, last };
  }
  let daysOfWeek: Cron["daysOfWeek"] = "any";
  if (dowField !== "?" && dowField !== "*") {
    const nth = /^([A-Za-z0-9]+)#([1-5])$/.exec(dowField);
    const days = fieldValues(nth === null ? dowField : (nth[1] as string), 1, 7, WEEKDAYS, 1);
    if (days === undefined) return problem("Invalid day-of-week in cron() expression.");
    const fromSunday = new Set([...days].map((d) => d - 1));
    daysOfWeek = nth === null ? { days: fromSunday } : { days: fromSunday, nth: Number(nth[2]) };
  }
  const sorted = [...hours].sort((a, b) => a - b);
  // A schedule in hours (several windows a day) closes after an hour by default; one in days, at midnight.
  const window = windowMs ?? (sorted.length > 1 ? HOUR_MS : DAY_MS - (sorted[0] as number) * HOUR_MS);
  const gaps = sorted.slice(1).map((h, i) => (h - (sorted[i] as number)) * HOUR_MS);
  if (gaps.some((gap) => window > gap))
    return problem("The rotation window can't extend into the next rotation window.");
  if ((sorted[sorted.length - 1] as number) * HOUR_MS + window > DAY_MS)
    return problem("The rotation window can't extend into the next UTC day.");
  return E.right({ kind: "cron", cron: { hours: sorted, daysOfMonth, months, daysOfWeek }, windowMs: window });
};

/** The calendar date (UTC) of day `days` after 1970-01-01 (Hinnant's civil_from_days), and its weekday (0: Sunday). */
const civil = (days: number): { year: number; month: number; day: number; weekday: number } => {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return {
    year: yoe + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: doy - Math.floor((153 * mp + 2) / 5) + 1,
    weekday: (((days + 4) % 7) + 7) % 7,
  };
};

const daysInMonth = (year: number, month: number): number =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

const cronDayMatches = (cron: Cron, dayStart: Millis): boolean => {
  const date = civil(Math.floor(dayStart / DAY_MS));
  if (!cron.months.has(date.month)) return false;
  const dom = date.day;
  if (cron.daysOfMonth !== "any") {
    const lastDay = daysInMonth(date.year, date.month);
    if (cron.daysOfMonth.last ? dom !== lastDay : !cron.daysOfMonth.days.has(dom)) return false;
  }
  if (cron.daysOfWeek !== "any") {
    if (!cron.daysOfWeek.days.has(date.weekday)) return false;
    if (cron.daysOfWeek.nth !== undefined && Math.ceil(dom / 7) !== cron.daysOfWeek.nth) return false;
  }
  return true;
};

/** A window of the schedule: when rotation may start, and when the window closes (NextRotationDate). */
export type RotationWindow = { readonly start: Millis; readonly end: Millis };

const dayOf = (at: Millis): Millis => Math.floor(at / DAY_MS) * DAY_MS;

/** How far ahead a cron schedule is searched for its next window (an expression may match only on 29 February). */
const CRON_SEARCH_DAYS = 8 * 366;

/** The first window after `after`: for days, counted from the day of `after`; otherwise the next one to open. */
export const nextWindow = (schedule: Schedule, after: Millis): RotationWindow | undefined => {
  const window = (start: Millis): RotationWindow => ({ start, end: start + schedule.windowMs - 1000 });
  switch (schedule.kind) {
    case "days":
      return window(dayOf(after) + schedule.days * DAY_MS);
    case "hours": {
      const day = dayOf(after);
      for (let h = 0; h < 24; h += schedule.hours) if (day + h * HOUR_MS > after) return window(day + h * HOUR_MS);
      return window(day + DAY_MS);
    }
    case "cron": {
      for (let d = 0, day = dayOf(after); d < CRON_SEARCH_DAYS; d++, day += DAY_MS) {
        if (!cronDayMatches(schedule.cron, day)) continue;
        const hour = schedule.cron.hours.find((h) => day + h * HOUR_MS > after);
        if (hour !== undefined) return window(day + hour * HOUR_MS);
      }
      return undefined;
    }
    default: {
      const unknownSchedule: never = schedule;
      return unknownSchedule;
    }
  }
};

/**
 * The AutomaticallyAfterDays DescribeSecret shows for a schedule expression: the days between two windows (none
 * for a schedule in hours).
 */
export const daysBetweenRotations = (schedule: Schedule, from: Millis): number | undefined => {
  if (schedule.kind === "days") return schedule.days;
  const first = nextWindow(schedule, from);
  const second = first === undefined ? undefined : nextWindow(schedule, first.start);
  if (first === undefined || second === undefined) return undefined;
  const days = Math.round((second.start - first.start) / DAY_MS);
  return days >= 1 ? days : undefined;
};
