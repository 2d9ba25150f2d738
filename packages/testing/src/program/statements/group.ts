import fc from "fast-check";
import type { Stmt } from "../ast.js";
import { endsAtOnce } from "../rules.js";
import type { Draft, StmtOf } from "./normalize.js";
import { statementKind, type RawBlock, type RawStmt, type StatementArbitrary } from "./types.js";

interface RawChild {
  readonly firstThrow: boolean;
  readonly body: RawBlock;
  /** For a child of `race`: the time key of the sleep it ends with (rule 7). */
  readonly end: number;
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
      const at = firstThrow ? { ...place, fresh: false } : place;
      s.children = children.map((c) => {
        const child = n.task(n.id("t"), c.body, at, {
          into: null,
          startChild: false,
          first: throwing && c.firstThrow ? [{ kind: "throw", after: null, error: n.id("e") }] : [],
        });
        // Rule 7: a child of a race ends with a sleep of its own, so it can
        // end normally only as the first thing at an instant of its own —
        // unless it ends in its eager step, before the race could suspend.
        if (op === "all" || endsAtOnce(child)) return child;
        const end: Draft<StmtOf<"sleep">> = { kind: "sleep", ms: 0 };
        n.time(c.end, (ms) => (end.ms = ms));
        return { ...child, body: [...child.body, end] };
      });
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
                  end: op === "race" ? timeKey : fc.constant(0),
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

/** `race([...])` over one to three child blocks, each ending with a sleep of its own (rule 7). */
export const raceStatement: StatementArbitrary = groupStatement("race");
