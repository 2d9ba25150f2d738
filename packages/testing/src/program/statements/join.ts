import fc from "fast-check";
import type { Stmt } from "../ast.js";
import type { Draft, StmtOf } from "./normalize.js";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

/**
 * `join t` of a task this code can see (started earlier with
 * `startSoon`/`startTask`). Either right after a sleep of its own, so that
 * whether the task has finished is decided by earlier instants and the
 * joiner is the first at its instant (like rule 2), or, for a task whose
 * nursery has exited, with no sleep: the task has finished, so the join
 * neither suspends nor is a cancellation point. Only a join after a sleep
 * rethrows the task's error (an unslept throw would race, see rule 2).
 * Left out where there is nothing to join.
 */
export const joinStatement: StatementArbitrary = statementKind({
  name: "join",
  weight: 2,
  nests: false,
  arbitrary: ({ timeKey, features }) =>
    features.join && features.spawn
      ? fc
          .record({
            t: timeKey,
            target: fc.nat({ max: 7 }),
            finished: fc.boolean(),
            rethrow: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, fc.constant(true)),
          })
          .map(({ t, target, finished, rethrow }): RawStmt => ({
            normalize(n, place): Stmt | null {
              const done = place.handles.filter((h) => h.finished);
              const from = finished && done.length > 0 ? done : place.handles;
              if (from.length === 0) return null;
              // The most recent handles first: stable while the program shrinks.
              const handle = from[from.length - 1 - (target % from.length)]!;
              if (handle.finished && finished) {
                return { kind: "join", after: null, target: handle.id, rethrow: false };
              }
              const s: Draft<StmtOf<"join">> = {
                kind: "join",
                after: 0,
                target: handle.id,
                rethrow,
              };
              n.time(t, (ms) => (s.after = ms));
              return s;
            },
          }))
      : null,
});
