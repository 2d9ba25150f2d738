import type { Task } from "@copse/core";
import { runtimeStats } from "@copse/core/internal";

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
