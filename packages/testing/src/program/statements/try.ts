import fc from "fast-check";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

/** `try` with an optional `catch Cancelled` (rethrows), swallowing of other errors and `finally`. */
export const tryStatement: StatementArbitrary = statementKind({
  name: "try",
  weight: 3,
  nests: true,
  arbitrary: ({ block, features: f }) =>
    f.catchCancelled || f.catchErrors || f.cleanup
      ? fc
          .record({
            body: block,
            onCancelled: f.catchCancelled ? fc.option(block, { freq: 2 }) : fc.constant(null),
            catchErrors: f.catchErrors ? fc.boolean() : fc.constant(false),
            cleanup: f.cleanup
              ? fc.option(
                  fc.record({
                    shield: f.shieldedCleanup ? fc.boolean() : fc.constant(false),
                    body: block,
                  }),
                  { freq: 3 },
                )
              : fc.constant(null),
          })
          .map((r): RawStmt => ({
            // Shrinking the `try` away keeps all of its blocks, in order.
            body: [...r.body, ...(r.onCancelled ?? []), ...(r.cleanup?.body ?? [])],
            normalize(n, place) {
              const id = n.id("x");
              const body = n.block(r.body, place);
              const handler = { ...place, cleanup: true };
              const onCancelled = r.onCancelled === null ? null : n.block(r.onCancelled, handler);
              const cleanup =
                r.cleanup === null
                  ? null
                  : { shield: r.cleanup.shield, body: n.block(r.cleanup.body, handler) };
              return { kind: "try", id, body, onCancelled, catchErrors: r.catchErrors, cleanup };
            },
          }))
      : null,
});
