import fc from "fast-check";
import type { Stmt, Via } from "../ast.js";
import type { Draft, StmtOf } from "./normalize.js";
import { startedRaw } from "./started.js";
import { statementKind, type RawBlock, type RawStmt, type StatementArbitrary } from "./types.js";

/** A generated `spawn` before normalisation. */
export interface RawSpawn {
  readonly t: number;
  readonly via: Via;
  /** Which visible nursery, counted from the innermost. */
  readonly into: number;
  readonly firstThrow: boolean;
  /** For `start`: where in the body `started` is called (position, time key). */
  readonly started: readonly [number, number];
  readonly body: RawBlock;
}

/** The raw `spawn` statement of `r` (also used to start contenders for a shared object). */
export function spawnRaw(r: RawSpawn): RawStmt {
  const raw: RawStmt = {
    body: r.body,
    normalize(n, place): Stmt {
      const own = place.nurseries.filter((x) => x.task === place.task);
      const candidates = n.features.spawnIntoAncestor ? place.nurseries : own.slice(-1);
      // Nowhere to start it: open a nursery around it.
      if (candidates.length === 0) return n.nursery([raw], place);
      const into = candidates[candidates.length - 1 - (r.into % candidates.length)]!;
      const id = n.id("t");
      // Rule 3: not from cleanup code, where an error may be on its way out.
      const firstThrow = r.firstThrow && !place.cleanup;
      const spawn: Draft<StmtOf<"spawn">> = {
        kind: "spawn",
        after: null,
        via: r.via,
        into: into.id,
        task: { id, body: [], value: "" },
      };
      // Rule 3: a child that fails in its first step, or one started into
      // another task's nursery, is started first thing at a fresh instant.
      if (firstThrow || into.task !== place.task) n.time(r.t, (ms) => (spawn.after = ms));
      let body = r.body;
      if (r.via === "start") {
        // Rule 5: a `start` child always calls `started` at its top level:
        // one that returns without it fails its caller at the moment it
        // ends, which is not the first thing at its instant.
        const [at, t] = r.started;
        const pos = Math.min(at, body.length);
        body = [...body.slice(0, pos), startedRaw(t), ...body.slice(pos)];
      }
      if (r.via !== "start") n.cancellable(id);
      const first: Stmt[] = firstThrow ? [{ kind: "throw", after: null, error: n.id("e") }] : [];
      spawn.task = n.task(id, body, place, { into: into.id, startChild: r.via === "start", first });
      // Later code of this task may join it (a `start` child has no handle).
      if (r.via !== "start") place.handles.push({ id, into: into.id, finished: false });
      return spawn;
    },
  };
  return raw;
}

/**
 * Starts a child (`startSoon`, `startTask` or `start`, as the features
 * allow) in a visible nursery (rule 6), opening one if there is none.
 */
export const spawnStatement: StatementArbitrary = statementKind({
  name: "spawn",
  weight: 5,
  nests: true,
  arbitrary: ({ block, timeKey, features: f }) => {
    const vias: Via[] = [
      ...(f.spawn ? (["soon", "task"] as const) : []),
      ...(f.start ? (["start"] as const) : []),
    ];
    if (vias.length === 0) return null;
    return fc
      .record({
        t: timeKey,
        via: fc.constantFrom(...vias),
        into: f.spawnIntoAncestor ? fc.nat({ max: 3 }) : fc.constant(0),
        started: fc.tuple(fc.nat({ max: 4 }), timeKey),
        firstThrow: f.firstStepThrow
          ? fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, fc.constant(true))
          : fc.constant(false),
        body: block,
      })
      .map(spawnRaw);
  },
});
