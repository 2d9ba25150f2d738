/** Effect 4: `Effect.all` with unbounded concurrency at every inner node. */
import { Effect } from "effect";
import type { TreeImpl } from "./impl.js";
import type { TreeWork } from "./work.js";

function recurse(work: TreeWork, level: number): Effect.Effect<void> {
  return Effect.gen(function* () {
    if (level === 0) {
      if (work.leaf()) {
        yield* Effect.sleep(work.sleepMs);
        work.ioDone();
      }
      return;
    }
    const children: Effect.Effect<void>[] = [];
    for (let i = 0; i < work.branches; i++) children.push(recurse(work, level - 1));
    yield* Effect.all(children, { concurrency: "unbounded" });
  });
}

export const impl: TreeImpl = {
  run: (work) => Effect.runPromise(recurse(work, work.levels)),
};
