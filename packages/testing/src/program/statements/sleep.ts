import type { Draft, StmtOf } from "./normalize.js";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

/** `sleep(ms)`. */
export const sleepStatement: StatementArbitrary = statementKind({
  name: "sleep",
  weight: 4,
  nests: false,
  arbitrary: ({ timeKey }) =>
    timeKey.map((t): RawStmt => ({
      normalize(n) {
        const s: Draft<StmtOf<"sleep">> = { kind: "sleep", ms: 0 };
        n.time(t, (ms) => (s.ms = ms));
        return s;
      },
    })),
});
