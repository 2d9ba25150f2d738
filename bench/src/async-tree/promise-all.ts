/** Plain async/await: `Promise.all` at every inner node, `setTimeout` behind a promise for the I/O. */
import type { TreeImpl } from "./impl.js";
import type { TreeWork } from "./work.js";

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function recurse(work: TreeWork, level: number): Promise<void> {
  if (level === 0) {
    if (work.leaf()) {
      await delay(work.sleepMs);
      work.ioDone();
    }
    return;
  }
  const children: Promise<void>[] = [];
  for (let i = 0; i < work.branches; i++) children.push(recurse(work, level - 1));
  await Promise.all(children);
}

export const impl: TreeImpl = {
  run: (work) => recurse(work, work.levels),
};
