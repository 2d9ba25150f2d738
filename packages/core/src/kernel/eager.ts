import { kernel } from "./current.js";
import type { TaskImpl } from "./task-impl.js";

/**
 * The nesting bound of eager steps. `startTask` (and `all`, and the root
 * step of `run`) run a new task's first step on the caller's stack; beyond
 * this many nested eager steps they start the task lazily instead, so a
 * recursion of eager starts cannot overflow the stack. Each level costs a
 * few hundred bytes of stack; 200 levels leave ample room for user frames.
 */
export const EAGER_DEPTH_LIMIT = 200;

/**
 * Runs a new task's first step now, on the caller's stack (`startTask`,
 * `all`, `race`, `start`, the root step of a run), unless that would nest
 * more than {@link EAGER_DEPTH_LIMIT} eager steps: then the step is queued
 * (a lazy start), which is what keeps deep recursions of eager starts in
 * constant stack. Called from outside any task and outside the runtime's
 * loop (a promise callback holding a nursery), the task starts lazily too:
 * only the loop or a running task may step tasks.
 *
 * @internal
 */
export function startEagerly(task: TaskImpl<unknown>): void {
  const k = kernel;
  if ((k.current === null && !task.runtime.draining) || k.eagerDepth >= EAGER_DEPTH_LIMIT) {
    task.scheduleFirst();
    return;
  }
  k.eagerDepth++;
  try {
    task.stepFirst();
  } finally {
    k.eagerDepth--;
  }
}
