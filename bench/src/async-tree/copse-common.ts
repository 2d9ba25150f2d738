import { run, type Operation, type Task } from "@copse/core";
import { runtimeStats } from "@copse/core/internal";
import type { TreeImpl } from "./impl.js";
import type { TreeWork } from "./work.js";

/**
 * Ends a copse run: nothing to wait for when the root task already finished
 * (a synchronous completion), its promise otherwise.
 */
export function settle(task: Task<unknown>): PromiseLike<void> | void {
  if (!task.done) return task.then(() => undefined);
  const outcome = task.outcome!;
  if (outcome.status === "error") throw outcome.error;
  if (outcome.status === "cancelled") throw new Error("the root task was cancelled");
}

/** The runtime counters of a copse run, as plain numbers. */
export function statsOf(task: Task<unknown> | undefined): Record<string, number> | undefined {
  return task === undefined ? undefined : { ...runtimeStats(task) };
}

/**
 * A copse implementation from its tree walk (the three differ only in how an
 * inner node gathers its children), run with `run` on the real clock.
 */
export function copseTree(recurse: (work: TreeWork, level: number) => Operation<void>): TreeImpl {
  let last: Task<void> | undefined;
  return {
    run(work) {
      last = run(() => recurse(work, work.levels));
      return settle(last);
    },
    lastStats: () => statsOf(last),
  };
}
