import fc from "fast-check";
import type { Stmt } from "../ast.js";
import type { Draft, Normalizer, StmtOf } from "./normalize.js";
import { spawnRaw } from "./spawn.js";
import type { RawStmt, StatementTools } from "./types.js";

// The events, locks, semaphores and channels of a generated program are a
// small fixed pool shared by all its tasks: the first of each is picked
// three times as often as the second, so that tasks meet on it.

/** A key picking one of the two objects of a pool (0: the first, three times in four). */
export const sharedKey: fc.Arbitrary<number> = fc.nat({ max: 3 });

/** The id of the pool's object for `key`: `<prefix>1` or `<prefix>2`. */
export function sharedId(prefix: string, key: number): string {
  return `${prefix}${key === 3 ? 2 : 1}`;
}

/**
 * The time key of a wait's patience: mostly in the upper half of the key
 * range (the normaliser ranks keys into durations, so a long patience
 * ranks among the longest durations of the program), so that waits often
 * last until a partner comes; sometimes any key, so that they also time out.
 */
export function patienceKey(timeKey: fc.Arbitrary<number>): fc.Arbitrary<number> {
  // One draw: three keys in four go to the upper half.
  return timeKey.map((k) => (k % 4 === 0 ? k : 16 + (k % 16)));
}

/**
 * The sleep that ends the body of a `withLock`/`withPermit`: holders hold
 * for a while (a key like a patience's), so that other tasks come to wait.
 */
export function holdFor(n: Normalizer, key: number): Stmt {
  const s: Draft<StmtOf<"sleep">> = { kind: "sleep", ms: 0 };
  n.time(key, (ms) => (s.ms = ms));
  return s;
}

/**
 * Single `withLock`/`withPermit` statements per meeting of contenders (one:
 * every other one is a meeting): a lock needs three tasks at once for its
 * FIFO to show, and the kinds weigh little (0.25), so they meet often.
 */
export const CONTENDED = 1;

/**
 * Single events and channel operations per meeting (three: one in four is
 * a meeting): leaves are picked more often than blocks, and every meeting
 * starts tasks that run to their end, so they meet less often, for the
 * property's cost.
 */
export const MET = 3;

/**
 * Sometimes (one time in `singles + 1`) several tasks meeting on one object: a
 * nursery that starts one child per part (with `startSoon` or `startTask`,
 * as the run says), each child's body that part alone. In a random program
 * two tasks rarely reach the same object at overlapping times; these make
 * contended locks, waiting receivers and woken waiters common. Otherwise
 * `one` by itself. (At most three parts.)
 */
export function meeting(
  { features }: StatementTools,
  one: fc.Arbitrary<RawStmt>,
  parts: fc.Arbitrary<readonly RawStmt[]>,
  /** How many single statements per meeting. */
  singles: number,
): fc.Arbitrary<RawStmt> {
  if (!features.spawn) return one;
  // Which children start eagerly (a bit each, as the run says), and whether
  // each keeps its part: almost always; a key shrinks to 0, which drops the
  // part and leaves the child empty, so a meeting shrinks to its starts.
  const keep = fc.nat({ max: 31 });
  const together = fc
    .tuple(parts, fc.nat({ max: 7 }), keep, keep, keep)
    .map(([raws, vias, ...keeps]): RawStmt => {
      const body = raws.map((raw, i) =>
        spawnRaw({
          t: 0,
          via: (vias >> i) & 1 ? "task" : "soon",
          into: 0,
          firstThrow: false,
          started: [0, 0],
          body: keeps[i] !== 0 ? [raw] : [],
        }),
      );
      return { body, normalize: (n, place) => n.nursery(body, place) };
    });
  // Cross-shrinking lets a meeting shrink to the single statement.
  return fc.oneof(
    { withCrossShrink: true },
    { weight: singles, arbitrary: one },
    { weight: 1, arbitrary: together },
  );
}
