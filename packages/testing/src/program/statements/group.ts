import fc from "fast-check";
import type { Stmt } from "../ast.js";
import type { Draft, StmtOf } from "./normalize.js";
import { statementKind, type RawBlock, type RawStmt, type StatementArbitrary } from "./types.js";

interface RawChild {
  readonly firstThrow: boolean;
  readonly body: RawBlock;
}

function groupRaw(op: "all" | "race", t: number, children: readonly RawChild[]): RawStmt {
  return {
    // Shrinking the group away runs its children's statements in its place.
    body: children.flatMap((c) => c.body),
    normalize(n, place): Stmt {
      const id = n.id("g");
      // Rule 3, as for `spawn`: a group with a child that fails in its first
      // step starts first thing at a fresh instant, and not from cleanup code.
      const throwing = n.features.firstStepThrow && !place.cleanup;
      const firstThrow = throwing && children.some((c) => c.firstThrow);
      const s: Draft<StmtOf<"group">> = { kind: "group", id, op, after: null, children: [] };
      if (firstThrow) n.time(t, (ms) => (s.after = ms));
      // The children run in their owner's step, eagerly, in order, in every
      // run; after the group's own sleep they are past any start instant.
      const at = firstThrow ? { ...place, fresh: false, racing: null } : place;
      // Rule 7: the children of a race start no task at its start instant.
      const racing = op === "race" ? id : at.racing;
      s.children = children.map((c) =>
        n.task(n.id("t"), c.body, at, {
          into: null,
          startChild: false,
          racing,
          first: throwing && c.firstThrow ? [{ kind: "throw", after: null, error: n.id("e") }] : [],
        }),
      );
      return s;
    },
  };
}

function groupStatement(op: "all" | "race"): StatementArbitrary {
  return statementKind({
    name: op,
    weight: 1,
    nests: true,
    arbitrary: ({ block, timeKey, features }) =>
      features[op]
        ? fc
            .tuple(
              timeKey,
              fc.array(
                fc.record({
                  firstThrow: fc.oneof(
                    { weight: 6, arbitrary: fc.constant(false) },
                    fc.constant(true),
                  ),
                  body: block,
                }),
                { minLength: 1, maxLength: 3 },
              ),
            )
            .map(([t, children]) => groupRaw(op, t, children))
        : null,
  });
}

/** `all([...])` over one to three child blocks. */
export const allStatement: StatementArbitrary = groupStatement("all");

/** `race([...])` over one to three child blocks. */
export const raceStatement: StatementArbitrary = groupStatement("race");
