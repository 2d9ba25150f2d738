import fc from "fast-check";
import type { Stmt } from "../ast.js";
import type { Draft, StmtOf } from "./normalize.js";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

/**
 * `sleep(d); call(...)` of a promise the interpreter settles on the
 * virtual clock: mostly after a duration of its own (a distinct power of
 * two, like a sleep; a rejection then comes first at its instant, like
 * rule 2's `throw`), sometimes already resolved or not a promise at all.
 *
 * The call comes first at a fresh instant, like rule 2's actions: copse
 * does not call `fn` inside a cancelled scope, so a call made while a
 * displaced first step may still cancel its scope at the same instant
 * would start its work on one path and not on the other.
 */
export const callStatement: StatementArbitrary = statementKind({
  name: "call",
  weight: 2,
  nests: false,
  arbitrary: ({ timeKey, features }) =>
    features.call
      ? fc
          .record({
            t: fc.tuple(timeKey, timeKey),
            settle: fc.oneof(
              { weight: 6, arbitrary: fc.constant("timer" as const) },
              fc.constant("now" as const),
              fc.constant("sync" as const),
            ),
            rejects: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, fc.constant(true)),
          })
          .map(({ t: [after, settleKey], settle, rejects }): RawStmt => ({
            normalize(n): Stmt {
              const s: Draft<StmtOf<"call">> = {
                kind: "call",
                id: n.id("c"),
                after: 0,
                settle: settle === "timer" ? 0 : settle,
                rejects: null,
              };
              n.time(after, (ms) => (s.after = ms));
              if (settle === "timer") {
                n.time(settleKey, (ms) => (s.settle = ms));
                if (rejects && n.features.throw) s.rejects = n.id("e");
              }
              return s;
            },
          }))
      : null,
});
