import fc from "fast-check";
import type { Stmt } from "../ast.js";
import type { Draft, StmtOf } from "./normalize.js";
import { holdFor, CONTENDED, meeting, patienceKey, sharedId, sharedKey } from "./shared.js";
import {
  statementKind,
  type RawBlock,
  type RawStmt,
  type StatementArbitrary,
  type StatementTools,
} from "./types.js";

// Rule 8 (shared objects): the acquire is the first thing its task does
// after a sleep of its own, so the first thing at its instant (rule 1):
// whether the lock is free, and the order of the waiters in its FIFO, are
// decided by earlier instants. The body ends with a sleep of its own, so a
// release that ends it normally is the first thing at its instant too: it
// hands the lock to the first waiter before anything else can cancel that
// waiter there. (Without it, a release in the same step as the start of a
// child that fails at once comes before the failure's cancellation of the
// waiter lazily, and after it eagerly: the waiter gets the lock on one path
// only.) A release on the way out of an error or a cancellation comes after
// the cancellation of every waiter that the same failure reaches first, on
// both paths. Every acquire has a patience deadline of its own, so no
// program can deadlock (two tasks each waiting for the other's lock, a lock
// held across the join of a task that wants it): a waiter gives up at a
// fresh instant of its own, the first thing there.

/** A generated `withLock` or `withPermit` before normalisation. */
export interface RawGuard {
  readonly t: number;
  readonly p: number;
  /** The key of the sleep that ends the body. */
  readonly hold: number;
  readonly body: RawBlock;
}

/** What a `withLock` or `withPermit` needs: its sleep, patience, hold time and (`withBody`) body. */
export function guardRecord(
  { timeKey, block }: StatementTools,
  withBody: boolean,
): fc.Arbitrary<RawGuard> {
  return fc.record({
    t: timeKey,
    p: patienceKey(timeKey),
    // Every body ends with a sleep of its own (rule 8); a contender holds
    // the lock a while (a long key, like a patience) and does nothing else.
    hold: withBody ? timeKey : patienceKey(timeKey),
    body: withBody ? block : fc.constant([]),
  });
}

function lockRaw({ t, p, hold, body }: RawGuard, key: number): RawStmt {
  return {
    body,
    normalize(n, place): Stmt | null {
      let lock = sharedId("lk", key);
      if (place.held.includes(lock)) lock = lock === "lk1" ? "lk2" : "lk1";
      // Both held already: leave the block out.
      if (place.held.includes(lock)) return null;
      const s: Draft<StmtOf<"lock">> = { kind: "lock", after: 0, lock, patience: 0, body: [] };
      n.time(t, (ms) => (s.after = ms));
      n.time(p, (ms) => (s.patience = ms));
      const inner = n.block(body, { ...place, held: [...place.held, lock] });
      inner.push(holdFor(n, hold));
      s.body = inner;
      return s;
    },
  };
}

/**
 * `sleep(d); withLock(l) { body; sleep(h) }` of one of the program's two
 * locks, the acquire with a patience deadline; sometimes a nursery of
 * three tasks contending for one lock (see `meeting`). Never of a lock
 * its task holds already (a reentrant acquire is a usage error, not a race).
 */
export const lockStatement: StatementArbitrary = statementKind({
  name: "lock",
  weight: 0.25,
  nests: true,
  arbitrary: (tools) => {
    if (!tools.features.lock) return null;
    return meeting(
      tools,
      fc.tuple(guardRecord(tools, true), sharedKey).map(([g, key]) => lockRaw(g, key)),
      fc
        .tuple(sharedKey, fc.array(guardRecord(tools, false), { minLength: 3, maxLength: 3 }))
        .map(([key, guards]) => guards.map((g) => lockRaw(g, key))),
      CONTENDED,
    );
  },
});
