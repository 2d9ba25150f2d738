/**
 * Kernel access for the packages built on @copse/core (`@copse/timeout`,
 * `@copse/testing`, `@copse/effect`). Not part of the public API and not
 * covered by semver: application code should not import it.
 *
 * @packageDocumentation
 */
import { requireCurrent } from "./kernel/current.js";
import { effectiveDeadline } from "./kernel/membership.js";
import type { RuntimeStats } from "./kernel/runtime.js";
import type { Task } from "./kernel/task.js";
import type { TaskImpl } from "./kernel/task-impl.js";

export { kernel } from "./kernel/current.js";
export { EAGER_DEPTH_LIMIT, startEagerly } from "./kernel/eager.js";
export type { SchedulePolicy, RuntimeStats } from "./kernel/runtime.js";
export { TaskImpl } from "./kernel/task-impl.js";
export { NurseryImpl } from "./primitives/nursery.js";
export { runWith, type KernelRunOptions } from "./primitives/run.js";
export { checkDuration } from "./primitives/sleep.js";
export { waitAllTasksBlocked } from "./primitives/wait-all-tasks-blocked.js";

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
