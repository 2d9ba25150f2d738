/**
 * Kernel access for the packages built on @copse/core (`@copse/timeout`,
 * `@copse/testing`). Not part of the public API and not covered by semver:
 * application code should not import it.
 *
 * @packageDocumentation
 */
import { effectiveDeadline } from "./cancel-scope.js";
import { requireCurrent } from "./kernel.js";
import type { RuntimeStats } from "./runtime.js";
import type { Task, TaskImpl } from "./task.js";

export { waitAllTasksBlocked } from "./idle.js";
export { runWith, type KernelRunOptions } from "./run.js";
export type { SchedulePolicy, RuntimeStats } from "./runtime.js";
export { checkDuration } from "./sleep.js";
export { kernel, EAGER_DEPTH_LIMIT } from "./kernel.js";
export { TaskImpl } from "./task.js";
export { NurseryImpl, startEagerly } from "./nursery.js";

/**
 * The earliest deadline that applies to the current task (`Infinity` if
 * none, `-Infinity` inside an effectively cancelled scope). Shielded scopes
 * hide the deadlines of enclosing scopes.
 */
export function currentEffectiveDeadline(): number {
  return effectiveDeadline(requireCurrent("currentEffectiveDeadline()"));
}

/** What the runtime of `task` counted so far. */
export function runtimeStats(task: Task<unknown>): RuntimeStats {
  return (task as TaskImpl<unknown>).runtime.stats;
}

/**
 * Gives up on the run that `task` belongs to: no task of it is stepped
 * again; its queue and timers are dropped. For test kits that must stop a
 * program that never ends.
 */
export function abandonRun(task: Task<unknown>): void {
  (task as TaskImpl<unknown>).runtime.abandon();
}

/** The current time of the current task's clock. */
export function currentTime(): number {
  return requireCurrent("currentTime()").runtime.now();
}
