import {
  compareSortKeys,
  compareToKey,
  sortValue,
  type SecretFilter,
  type SortBy,
  type SortKey,
} from "../src/domain/search.js";
import type { ActiveSecret } from "../src/domain/state.js";
import type { SecretIndex } from "./secret-index.js";

// The first secrets of a listing's page out of an index. Where a filter's index has the only secrets that can pass
// in the order asked for (a string's many secrets are kept in each order; a few are sorted), the page is read from
// them, from the cursor on: nothing else is looked at. Otherwise two ways find it: walking the order asked for from
// the cursor, checking each secret (quick where many pass), and, when a filter's index names the only secrets that
// can pass, going through those and keeping the first (quick where few do). Which is quicker depends on where in the
// order the secrets that pass are: a string most secrets have, on the last tenth of them by name, has the walk check
// 900,000 first. So the two take turns, and the first done gives the page; the walk gives up once it has gone
// WALK_PAST times as far as it would need were the candidates spread evenly through the order (they are bunched
// elsewhere). At a million secrets a step of either costs about the same (~0.5-0.7 µs on the 2-core machine: a state
// out of cache), and the candidates' way checks (`accept`) only the few that could be on the page.

/**
 * How many secrets each way looks at before the other takes its turn: the walk's turn is shorter, for where it is
 * the quicker way it is so from its first turns (its page is where most pass).
 */
export const TURNS = { walk: 250, pick: 1_000 } as const;

/** What a page is of: the secrets its filters let through, in an order, from just past a cursor. */
export type PageQuery = {
  readonly filters: ReadonlyArray<SecretFilter>;
  readonly sortBy: SortBy;
  /** 1: ascending, -1: descending. */
  readonly direction: 1 | -1;
  /** The key of the last secret of the page before. */
  readonly after?: SortKey;
};

/** A secret as a listing shows it, with the key it sorts by. */
export type Keyed<R> = { readonly row: R; readonly key: SortKey };

/** A way of finding a page: `steps` more secrets looked at, and the page if it is found. */
type Way<R> = (steps: number) => Array<Keyed<R>> | undefined;

/** How many times as far as it would need were the candidates spread evenly the walk goes before it gives up. */
const WALK_PAST = 8;

/**
 * The first `limit` + 1 secrets of `query` (the one more tells whether there are more), as `accept` shows them:
 * it gives a secret's row, or undefined for one the listing does not show (any filter it fails).
 */
export const firstInOrder = <R>(
  index: SecretIndex,
  query: PageQuery,
  limit: number,
  accept: (secret: ActiveSecret) => R | undefined,
  turns: { readonly walk: number; readonly pick: number } = TURNS,
): Array<Keyed<R>> => {
  const candidates = index.candidates(query.filters);
  // The candidates in order: the walk, over those alone.
  const inOrder = candidates?.inOrder(query.sortBy, query.direction, query.after);
  if (inOrder !== undefined) return walked(inOrder, query.sortBy, limit, accept)(Infinity) ?? [];
  const walk = walked(index.inOrder(query.sortBy, query.direction, query.after), query.sortBy, limit, accept);
  if (candidates === undefined) return walk(Infinity) ?? [];
  const pick = picked(candidates.groups, query, limit, accept);
  const walkFor = Math.max(turns.walk, (WALK_PAST * (limit + 1) * index.size) / Math.max(candidates.count, 1));
  for (let walkedSoFar = 0; walkedSoFar < walkFor; walkedSoFar += turns.walk) {
    const page = walk(turns.walk) ?? pick(turns.pick);
    if (page !== undefined) return page;
  }
  // The walk gave up: the candidates alone, to their end.
  return pick(Infinity) ?? [];
};

/** The page walking `secrets` (in the order asked for, from the cursor). */
const walked = <R>(
  secrets: Iterator<ActiveSecret>,
  sortBy: SortBy,
  limit: number,
  accept: (secret: ActiveSecret) => R | undefined,
): Way<R> => {
  const rows: Array<Keyed<R>> = [];
  return (steps) => {
    for (let n = 0; n < steps; n++) {
      const next = secrets.next();
      if (next.done === true) return rows;
      const secret = next.value;
      const row = accept(secret);
      if (row === undefined) continue;
      rows.push({ row, key: [sortValue(secret, sortBy), secret.name] });
      if (rows.length > limit) return rows;
    }
    return undefined;
  };
};

/** How many secrets the candidates' way holds before it checks the first of them. */
const HELD_PAGES = 16;

/**
 * The page among the candidates' groups (a secret may be in two): the first after the cursor in the order asked
 * for, held as they come, and every HELD_PAGES pages' worth sorted and checked (`accept`) from the first until a
 * page is full; one after the page so far is passed over unchecked.
 */
const picked = <R>(
  groups: ReadonlyArray<Iterable<ActiveSecret>>,
  { sortBy, direction, after }: PageQuery,
  limit: number,
  accept: (secret: ActiveSecret) => R | undefined,
): Way<R> => {
  type Held = { readonly secret: ActiveSecret; readonly key: SortKey; checked?: { readonly row: R | undefined } };
  const inOrder = (a: Held, b: Held): number => direction * compareSortKeys(a.key, b.key);
  let held: Held[] = [];
  let last: SortKey | undefined;
  /** The first limit + 1 held that pass, each once, sorted: checked from the first until there are as many. */
  const settle = (): void => {
    const page: Held[] = [];
    for (const h of held.sort(inOrder)) {
      if (page.length > limit) break;
      if (h.key[1] === page[page.length - 1]?.key[1]) continue;
      h.checked ??= { row: accept(h.secret) };
      if (h.checked.row !== undefined) page.push(h);
    }
    held = page;
    last = page.length > limit ? page[limit]?.key : undefined;
  };
  let group = -1;
  let secrets: Iterator<ActiveSecret> | undefined;
  return (steps) => {
    for (let n = 0; n < steps; n++) {
      let next = secrets?.next();
      while (next === undefined || next.done === true) {
        if (++group >= groups.length) {
          settle();
          return held.map((h) => ({ row: h.checked?.row as R, key: h.key }));
        }
        secrets = (groups[group] as Iterable<ActiveSecret>)[Symbol.iterator]();
        next = secrets.next();
      }
      const secret = next.value;
      const value = sortValue(secret, sortBy);
      if (after !== undefined && direction * compareToKey(value, secret.name, after) <= 0) continue;
      if (last !== undefined && direction * compareToKey(value, secret.name, last) >= 0) continue;
      held.push({ secret, key: [value, secret.name] });
      if (held.length > HELD_PAGES * (limit + 1)) settle();
    }
    return undefined;
  };
};
