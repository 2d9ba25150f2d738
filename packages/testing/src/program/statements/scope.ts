import fc from "fast-check";
import type { Draft, StmtOf } from "./normalize.js";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

/** A cancel scope, with a relative deadline and a shield when the features allow. */
export const scopeStatement: StatementArbitrary = statementKind({
  name: "scope",
  weight: 3,
  nests: true,
  arbitrary: ({ block, timeKey, features }) =>
    features.scope
      ? fc
          .record({
            deadline: features.deadline ? fc.option(timeKey, { freq: 2 }) : fc.constant(null),
            shield: features.shield ? fc.boolean() : fc.constant(false),
            body: block,
          })
          .map(({ deadline, shield, body }): RawStmt => ({
            body,
            normalize(n, place) {
              const id = n.id("s");
              n.cancellable(id);
              const s: Draft<StmtOf<"scope">> = {
                kind: "scope",
                id,
                deadline: null,
                shield,
                body: [],
              };
              if (deadline !== null) n.time(deadline, (ms) => (s.deadline = ms));
              s.body = n.block(body, { ...place, enclosing: [...place.enclosing, id] });
              return s;
            },
          }))
      : null,
});
