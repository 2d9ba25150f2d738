import fc from "fast-check";
import type { Draft, StmtOf } from "./normalize.js";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

/**
 * `sleep(d); cancel(x)` (rule 2: the cancel is the first thing at a fresh
 * instant). Half the time `x` is a block enclosing the statement, picked by
 * depth (stable while the program shrinks); otherwise anything cancellable
 * in the program.
 */
export const cancelStatement: StatementArbitrary = statementKind({
  name: "cancel",
  weight: 3,
  nests: false,
  arbitrary: ({ timeKey, features }) =>
    features.cancel
      ? fc.tuple(timeKey, fc.boolean(), fc.nat({ max: 15 })).map(([t, near, key]): RawStmt => ({
          normalize(n, place) {
            const s: Draft<StmtOf<"cancel">> = { kind: "cancel", after: 0, target: "" };
            n.time(t, (ms) => (s.after = ms));
            const enclosing = place.enclosing;
            if (near && enclosing.length > 0) {
              s.target = enclosing[enclosing.length - 1 - (key % enclosing.length)]!;
            } else {
              n.anyTarget(key, (id) => (s.target = id));
            }
            return s;
          },
        }))
      : null,
});
