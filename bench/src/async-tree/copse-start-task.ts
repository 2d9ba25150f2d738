/** copse, eager: a nursery at every inner node, children started with `startTask`. */
import { nursery, run, sleep, type Operation, type Task } from "@copse/core";
import { settle, statsOf } from "./copse-common.js";
import type { TreeImpl } from "./impl.js";
import type { TreeWork } from "./work.js";

function* recurse(work: TreeWork, level: number): Operation<void> {
  if (level === 0) {
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

let last: Task<void> | undefined;

export const impl: TreeImpl = {
  run(work) {
    last = run(() => recurse(work, work.levels));
    return settle(last);
  },
  lastStats: () => statsOf(last),
};
