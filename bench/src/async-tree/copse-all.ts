/** copse, eager: `all` at every inner node (CPython's eager `gather`). */
import { all, type Operation } from "@copse/core";
import { copseTree, leaf } from "./copse-common.js";
import type { TreeWork } from "./work.js";

function* recurse(work: TreeWork, level: number): Operation<void> {
  if (level === 0) return yield* leaf(work);
  const children: Operation<void>[] = [];
  for (let i = 0; i < work.branches; i++) children.push(recurse(work, level - 1));
  yield* all(children);
}

export const impl = copseTree(recurse);
