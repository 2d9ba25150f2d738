import { SharedInstruction, type Operation } from "../kernel/operation.js";
import type { Blocker } from "../kernel/protocols.js";
import type { TaskImpl } from "../kernel/task-impl.js";

class IdleWait extends SharedInstruction<void> implements Blocker {
  enter(task: TaskImpl<unknown>): void {
    if (task.block(this)) task.runtime.idleWaiters.push(task);
  }

  abortWait(task: TaskImpl<unknown>): void {
    const waiters = task.runtime.idleWaiters;
    const i = waiters.indexOf(task);
    if (i >= 0) waiters.splice(i, 1);
  }
}

const IDLE_WAIT = new IdleWait();

/**
 * Returns once every other task of the runtime is blocked (nothing is
 * ready to run). Time does not jump while a task waits here: it takes
 * priority over a virtual clock's autojump. Several waiters are woken one
 * at a time, in the order they started waiting. A cancellation point.
 *
 * Tasks waiting for a promise (`call`, `until`) count as blocked.
 */
export function waitAllTasksBlocked(): Operation<void> {
  return IDLE_WAIT;
}
