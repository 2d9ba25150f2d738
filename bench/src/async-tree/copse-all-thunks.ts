/**
 * copse, eager: `all` at every inner node over functions that return the
 * child's operation (`all(children.map((c) => () => node(c)))`), the form
 * most code writes; the same tree as `copse-all.ts` otherwise.
 */
import { all, sleep, type Operation } from "@copse/core";
import { copseTree } from "./copse-common.js";
import type { TreeWork } from "./work.js";

function* recurse(work: TreeWork, level: number): Operation<void> {
  if (level === 0) {
    // The leaf inline, as in every implementation (no extra generator per leaf).
    if (work.leaf()) {
      yield* sleep(work.sleepMs);
      work.ioDone();
    }
    return;
  }
  const children: (() => Operation<void>)[] = [];
  for (let i = 0; i < work.branches; i++) children.push(() => recurse(work, level - 1));
  yield* all(children);
}

export const impl = copseTree(recurse);
