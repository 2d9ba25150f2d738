// What the embedded server does with each request, and which URLs the crawl
// asks for: both follow from the seed alone, so a run can be repeated and
// its outcome predicted (the tests do).

/** What the server does with one request. */
export type Reply =
  | { readonly kind: "ok"; readonly delay: number }
  | { readonly kind: "slow"; readonly delay: number }
  | { readonly kind: "unavailable"; readonly delay: number }
  | { readonly kind: "missing" }
  | { readonly kind: "hang" };

/** Share of pages that do not exist (404 on every attempt). */
const MISSING = 0.02;
/** Shares of attempts, on the remaining pages: no answer at all, 503, a slow 200. */
const HANG = 0.05;
const UNAVAILABLE = 0.07;
const SLOW = 0.1;
/** Share of URLs in the list that repeat a page seen earlier (a cache hit, if it was fetched). */
const REPEAT = 0.25;
/** A repeat names a page at least this many positions back, so it has most likely been fetched. */
const REPEAT_LAG = 100;

/** A 32-bit hash of the arguments, as a number in [0, 1). */
function unit(...keys: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const key of keys) {
    h = Math.imul(h ^ (key | 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    h = Math.imul(h, 0x297a2d39);
    h ^= h >>> 15;
  }
  return (h >>> 0) / 0x1_0000_0000;
}

/** A whole number of ms in [low, high], from a hash. */
function between(low: number, high: number, u: number): number {
  return low + Math.floor(u * (high - low + 1));
}

/** What the server does with attempt `attempt` (1, 2, …) of page `page`. */
export function replyFor(seed: number, page: number, attempt: number): Reply {
  if (unit(seed, page, 0) < MISSING) return { kind: "missing" };
  const u = unit(seed, page, attempt);
  const v = unit(seed, page, attempt, 1);
  if (u < HANG) return { kind: "hang" };
  if (u < HANG + UNAVAILABLE) return { kind: "unavailable", delay: between(1, 10, v) };
  if (u < HANG + UNAVAILABLE + SLOW) return { kind: "slow", delay: between(40, 120, v) };
  return { kind: "ok", delay: between(1, 15, v) };
}

/** The path of page `page` on the server. */
export function pagePath(page: number): string {
  return `/pages/${page}`;
}

/** The page number in a path made by {@link pagePath}, or `undefined`. */
export function pageOf(path: string): number | undefined {
  const m = /^\/pages\/(\d{1,9})$/.exec(path);
  return m === null ? undefined : Number(m[1]);
}

/**
 * The pages the crawl asks for, in order, produced lazily: mostly new
 * pages (0, 1, 2, …), and a share of repeats of pages named at least
 * {@link REPEAT_LAG} positions earlier.
 */
export function* pageList(seed: number, count: number): Generator<number, void> {
  let fresh = 0;
  for (let i = 0; i < count; i++) {
    if (fresh > REPEAT_LAG && unit(seed, i, 2) < REPEAT) {
      yield Math.floor(unit(seed, i, 3) * (fresh - REPEAT_LAG));
    } else {
      yield fresh++;
    }
  }
}
