import type { TaskImpl } from "./task-impl.js";

/**
 * What a task reports its end to: a task group (a nursery, the group of
 * `all`/`race`), or a `start` call that has not moved it into its nursery
 * yet. `absorbed`: the task ended with a `Cancelled` that its own handle
 * scope (`task.cancel()`) absorbed, so it adds nothing to the group's
 * errors.
 *
 * @internal
 */
export interface ChildHolder {
  childFinished(task: TaskImpl<unknown>, absorbed: boolean): void;
}

/**
 * Whatever a suspended task waits on (a timer, a promise, a joined task, a
 * queue of waiters), seen from cancellation: when a cancellation wakes the
 * task, the driver calls `abortWait` so nothing resumes it a second time
 * and nothing stays registered (a cancelled waiter leaves its queue at once).
 *
 * @internal
 */
export interface Blocker {
  /** Unregisters `task` from whatever would have resumed it. */
  abortWait(task: TaskImpl<unknown>): void;
}
