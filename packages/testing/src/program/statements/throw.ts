import type { Draft, StmtOf } from "./normalize.js";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

/** `sleep(d); throw e` (rule 2). First-step throws come with the child that makes them (`spawn`, `all`, `race`). */
export const throwStatement: StatementArbitrary = statementKind({
  name: "throw",
  weight: 2,
  nests: false,
  arbitrary: ({ timeKey, features }) =>
    features.throw
      ? timeKey.map((t): RawStmt => ({
          normalize(n) {
            const s: Draft<StmtOf<"throw">> = { kind: "throw", after: 0, error: n.id("e") };
            n.time(t, (ms) => (s.after = ms));
            return s;
          },
        }))
      : null,
});
