/** copse, eager: `all` at every inner node (CPython's eager `gather`). */
import { all, run, sleep, type Operation, type Task } from "@copse/core";
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
  const children: Operation<void>[] = [];
  for (let i = 0; i < work.branches; i++) children.push(recurse(work, level - 1));
  yield* all(children);
}

let last: Task<void> | undefined;

export const impl: TreeImpl = {
  run(work) {
    last = run(() => recurse(work, work.levels));
    return settle(last);
  },
  lastStats: () => statsOf(last),
};
