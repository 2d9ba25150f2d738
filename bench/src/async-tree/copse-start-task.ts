/** copse, eager: a nursery at every inner node, children started with `startTask`. */
import { nursery, sleep, type Operation } from "@copse/core";
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
  yield* nursery(function* (n) {
    for (let i = 0; i < work.branches; i++) n.startTask(() => recurse(work, level - 1));
  });
}

export const impl = copseTree(recurse);
