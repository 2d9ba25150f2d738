import fc from "fast-check";
import type { Stmt } from "../ast.js";
import { guardRecord, type RawGuard } from "./lock.js";
import type { Draft, StmtOf } from "./normalize.js";
import { CONTENDED, holdFor, meeting } from "./shared.js";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

// Rule 8, as for a lock (see lock.ts): the acquire is the first thing at
// its instant, the body ends with a sleep of its own (so a release that
// ends it normally is first at its instant), and every acquire has a
// patience deadline of its own.
// A task may take a second permit of a semaphore it holds one of: with none
// left it waits for itself until its patience runs out, the same on both
// paths.

function permitRaw({ t, p, hold, body }: RawGuard, initial: number): RawStmt {
  return {
    body,
    normalize(n, place): Stmt {
      const semaphore = "sm1";
      const s: Draft<StmtOf<"permit">> = {
        kind: "permit",
        after: 0,
        semaphore,
        initial: n.shared(semaphore, initial),
        patience: 0,
        body: [],
      };
      n.time(t, (ms) => (s.after = ms));
      n.time(p, (ms) => (s.patience = ms));
      const inner = n.block(body, place);
      inner.push(holdFor(n, hold));
      s.body = inner;
      return s;
    },
  };
}

const initial = fc.oneof({ weight: 3, arbitrary: fc.constant(2) }, fc.constant(1));

/**
 * `sleep(d); withPermit(sm1) { body; sleep(h) }` of the program's
 * semaphore, the acquire with a patience deadline; the semaphore starts
 * with 1 or 2 permits, as its first use in the program says. Sometimes a
 * nursery of three tasks contending for it (see `meeting`).
 */
export const permitStatement: StatementArbitrary = statementKind({
  name: "permit",
  weight: 0.25,
  nests: true,
  arbitrary: (tools) => {
    if (!tools.features.semaphore) return null;
    return meeting(
      tools,
      fc.tuple(guardRecord(tools, true), initial).map(([g, i]) => permitRaw(g, i)),
      fc
        .tuple(initial, fc.array(guardRecord(tools, false), { minLength: 3, maxLength: 3 }))
        .map(([i, guards]) => guards.map((g) => permitRaw(g, i))),
      CONTENDED,
    );
  },
});
