/** copse, lazy: a nursery at every inner node, children started with `startSoon` (asyncio's TaskGroup). */
import { nursery, type Operation } from "@copse/core";
import { copseTree, leaf } from "./copse-common.js";
import type { TreeWork } from "./work.js";

function* recurse(work: TreeWork, level: number): Operation<void> {
  if (level === 0) return yield* leaf(work);
  yield* nursery(function* (n) {
    for (let i = 0; i < work.branches; i++) n.startSoon(() => recurse(work, level - 1));
  });
}

export const impl = copseTree(recurse);
