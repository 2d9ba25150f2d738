import { SharedInstruction, type Operation } from "../kernel/operation.js";
import type { TaskImpl } from "../kernel/task-impl.js";

/** `checkpoint()`: go to the back of the run queue; a cancellation point on resumption. */
class Checkpoint extends SharedInstruction<void> {
  enter(task: TaskImpl<unknown>): void {
    task.wake(undefined, true);
  }
}

/** The one `checkpoint()` operation (instructions hold no state). @internal */
export const CHECKPOINT = new Checkpoint();

/**
 * Yields to the run queue (the task goes to the back) and, on resumption,
 * delivers a pending cancellation: inside a cancelled, unshielded scope it
 * throws `Cancelled`. Equivalent to `sleep(0)`.
 *
 * Use it in long computations to let other tasks run and to stay
 * cancellable. An eager first step always ends at a checkpoint.
 */
export function checkpoint(): Operation<void> {
  return CHECKPOINT;
}
