/**
 * Floor: a plain synchronous recursion, no concurrency machinery at all.
 * For `none`, `memoization` and the CPU part of `cpu_io_mixed` it is the
 * cost of the work itself. It cannot sleep per leaf; instead every leaf
 * that needs I/O is counted and, after the walk, one 50 ms timer stands for
 * all of them (perfectly overlapped I/O): the best any runtime could do.
 */
import type { TreeImpl } from "./impl.js";
import type { TreeWork } from "./work.js";

function recurse(work: TreeWork, level: number, pending: { io: number }): void {
  if (level === 0) {
    if (work.leaf()) pending.io++;
    return;
  }
  for (let i = 0; i < work.branches; i++) recurse(work, level - 1, pending);
}

export const impl: TreeImpl = {
  run(work) {
    const pending = { io: 0 };
    recurse(work, work.levels, pending);
    if (pending.io === 0) return;
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        for (let i = 0; i < pending.io; i++) work.ioDone();
        resolve();
      }, work.sleepMs),
    );
  },
};
