/** Effection 4: `all` at every inner node. */
import { all, run, sleep, type Operation } from "effection";
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

export const impl: TreeImpl = {
  run: async (work) => {
    await run(() => recurse(work, work.levels));
  },
};
