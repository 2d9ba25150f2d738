import { SharedInstruction, type Operation } from "../kernel/operation.js";
import type { Blocker } from "../kernel/protocols.js";
import type { TaskImpl } from "../kernel/task-impl.js";

/** `suspend()`: blocks until cancelled. */
class Suspend extends SharedInstruction<never> {
  enter(task: TaskImpl<unknown>): void {
    task.block(NOTHING_TO_ABORT);
  }
}

const NOTHING_TO_ABORT: Blocker = { abortWait() {} };
const SUSPEND = new Suspend();

/**
 * Suspends the current task until it is cancelled (then throws
 * `Cancelled`). Useful for a task that only holds a resource open, or keeps
 * a `finally` block pending until its scope ends.
 */
export function suspend(): Operation<never> {
  return SUSPEND;
}
