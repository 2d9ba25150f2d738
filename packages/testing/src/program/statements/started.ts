import type { Draft, StmtOf } from "./normalize.js";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

/** Makes `sleep(d); started(v)` (rule 2) for the task whose code is at `place`; `null` outside a `start` child. */
export function startedRaw(t: number): RawStmt {
  return {
    normalize(n, place) {
      if (!place.startChild) return null;
      const s: Draft<StmtOf<"started">> = {
        kind: "started",
        after: 0,
        value: `r${place.task.slice(1)}`,
      };
      n.time(t, (ms) => (s.after = ms));
      return s;
    },
  };
}

/** Another `sleep(d); started(v)` in a child started with `start` (it always has one, see `spawn`). */
export const startedStatement: StatementArbitrary = statementKind({
  name: "started",
  weight: 1,
  nests: false,
  arbitrary: ({ timeKey, features }) => (features.start ? timeKey.map(startedRaw) : null),
});
