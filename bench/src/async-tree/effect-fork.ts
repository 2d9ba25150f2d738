/** Effect 4: `Effect.forkChild` for every child, then `Fiber.join` each (a task group by hand). */
import { Effect, Fiber } from "effect";
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
    const fibers: Fiber.Fiber<void>[] = [];
    for (let i = 0; i < work.branches; i++) {
      fibers.push(yield* Effect.forkChild(recurse(work, level - 1)));
    }
    for (const fiber of fibers) yield* Fiber.join(fiber);
  });
}

export const impl: TreeImpl = {
  run: (work) => Effect.runPromise(recurse(work, work.levels)),
};
