import fc from "fast-check";
import type { Draft, StmtOf } from "./normalize.js";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

/** `moveOnAfter(d)` or `failAfter(d)`, as the features allow. */
export const timeoutStatement: StatementArbitrary = statementKind({
  name: "timeout",
  weight: 2,
  nests: true,
  arbitrary: ({ block, timeKey, features: f }) => {
    if (!f.moveOnAfter && !f.failAfter) return null;
    const fail = f.moveOnAfter && f.failAfter ? fc.boolean() : fc.constant(f.failAfter);
    return fc.record({ fail, t: timeKey, body: block }).map(({ fail, t, body }): RawStmt => ({
      body,
      normalize(n, place) {
        const id = n.id("s");
        n.cancellable(id);
        const s: Draft<StmtOf<"timeout">> = { kind: "timeout", id, fail, ms: 0, body: [] };
        n.time(t, (ms) => (s.ms = ms));
        s.body = n.block(body, { ...place, enclosing: [...place.enclosing, id] });
        return s;
      },
    }));
  },
});
