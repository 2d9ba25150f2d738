/**
 * Plain async/await with the lazy start order: every child starts from a
 * microtask of its own, so the children of a node start after it suspends,
 * in the order they were started — breadth-first, as asyncio's
 * `create_task` and copse's `startSoon` start them — and `Promise.all`
 * gathers them. The V8 built-ins of {@link ./promise-all.ts}, in copse's
 * lazy order: what that order costs by itself.
 */
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
  const started = Promise.resolve();
  for (let i = 0; i < work.branches; i++)
    children.push(started.then(() => recurse(work, level - 1)));
  await Promise.all(children);
}

export const impl: TreeImpl = {
  run: (work) => recurse(work, work.levels),
};
