/**
 * The interop trees: a flat gather of N leaves, in each world alone and
 * across the `@copse/effect` bridges.
 *
 * - copse `all` of N copse leaves (copse alone);
 * - copse `all` of N `runEffect(effect leaf)` (Effects inside copse);
 * - `Effect.all` (unbounded) of N Effect leaves (Effect alone);
 * - `Effect.all` (unbounded) of N `fromOperation(() => copse leaf)`
 *   (copse operations inside Effect).
 *
 * A leaf returns its index, at once (`sync`) or after a 1 ms timer of its
 * own world (`sleep`: copse `sleep(1)`, `Effect.sleep(1)`). Every tree
 * returns the sum of the indices, which the worker checks.
 */
import { all, run, sleep, type Operation } from "@copse/core";
import { fromOperation, runEffect } from "@copse/effect";
import { Effect } from "effect";

export const LEAVES = ["sync", "sleep"] as const;
export type Leaf = (typeof LEAVES)[number];

export interface InteropTree {
  readonly id: string;
  readonly label: string;
  /** Builds and runs the tree of `n` leaves; resolves with the sum of the leaves. */
  readonly run: (n: number, leaf: Leaf) => Promise<number>;
}

function* copseLeaf(i: number, leaf: Leaf): Operation<number> {
  if (leaf === "sleep") yield* sleep(1);
  return i;
}

function effectLeaf(i: number, leaf: Leaf): Effect.Effect<number> {
  return leaf === "sync" ? Effect.succeed(i) : Effect.as(Effect.sleep(1), i);
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

async function copseRoot(body: () => Operation<number[]>): Promise<number> {
  const task = run(body);
  // An all-synchronous tree is done inside run(): read it without a promise.
  return sum(task.done && task.outcome!.status === "ok" ? task.outcome!.value : await task);
}

function indices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export const TREES: readonly InteropTree[] = [
  {
    id: "copse-all",
    label: "copse `all` of N copse operations",
    run: (n, leaf) => copseRoot(() => all(indices(n).map((i) => copseLeaf(i, leaf)))),
  },
  {
    id: "copse-all-effects",
    label: "copse `all` of N `runEffect(effect)`",
    run: (n, leaf) => copseRoot(() => all(indices(n).map((i) => runEffect(effectLeaf(i, leaf))))),
  },
  {
    id: "effect-all",
    label: "`Effect.all` of N Effects",
    run: async (n, leaf) =>
      sum(
        await Effect.runPromise(
          Effect.all(
            indices(n).map((i) => effectLeaf(i, leaf)),
            { concurrency: "unbounded" },
          ),
        ),
      ),
  },
  {
    id: "effect-all-operations",
    label: "`Effect.all` of N `fromOperation(() => op)`",
    run: async (n, leaf) =>
      sum(
        await Effect.runPromise(
          Effect.all(
            indices(n).map((i) => fromOperation(() => copseLeaf(i, leaf))),
            { concurrency: "unbounded" },
          ),
        ),
      ),
  },
];

export function findTree(id: string): InteropTree {
  const tree = TREES.find((t) => t.id === id);
  if (tree === undefined) {
    throw new Error(`unknown interop tree ${id}; one of ${TREES.map((t) => t.id).join(", ")}`);
  }
  return tree;
}
