/**
 * Floor: continuation-passing with plain callbacks, no promises. Every
 * inner node counts its children down and calls its parent back; a leaf
 * with I/O calls back from its own `setTimeout`, the others at once.
 */
import type { TreeImpl } from "./impl.js";
import type { TreeWork } from "./work.js";

function recurse(work: TreeWork, level: number, done: () => void): void {
  if (level === 0) {
    if (work.leaf()) {
      setTimeout(() => {
        work.ioDone();
        done();
      }, work.sleepMs);
    } else {
      done();
    }
    return;
  }
  let pending = work.branches;
  const childDone = (): void => {
    if (--pending === 0) done();
  };
  for (let i = 0; i < work.branches; i++) recurse(work, level - 1, childDone);
}

export const impl: TreeImpl = {
  run(work) {
    let finished = false;
    let resolve: (() => void) | undefined;
    recurse(work, work.levels, () => {
      finished = true;
      resolve?.();
    });
    if (finished) return;
    return new Promise<void>((r) => (resolve = r));
  },
};
