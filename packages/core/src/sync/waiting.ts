import { kernel } from "../kernel/current.js";
import { SharedInstruction } from "../kernel/operation.js";
import type { TaskImpl } from "../kernel/task-impl.js";

/** The value a task resumes with when its wait must be tried again. */
const RETRY: unique symbol = Symbol("copse.retry");

/**
 * The instruction of a wait on a synchronization primitive or a channel
 * (Trio's `checkpoint_if_cancelled`, then the wait): `enter` checks usage
 * errors, then calls {@link cancelledCheckpoint}, then either completes at
 * once (`task.resumeSync`, the eager fast path: no suspension, no turn, no
 * promise) or blocks the task in a wait queue.
 *
 * Instructions hold no per-wait state, so one object per primitive (a
 * lock's `acquire()`, a receive end's `receive()`) serves every wait.
 *
 * @internal
 */
export abstract class WaitInstruction<T> extends SharedInstruction<T> {
  override next(value?: unknown): IteratorResult<unknown, T> {
    if (value === RETRY && kernel.resuming === this) {
      // Cancelled at entry, then resumed with no cancellation visible (a
      // shield was raised meanwhile): the wait has not happened, so yield
      // this instruction again and the driver enters it afresh.
      kernel.resuming = null;
      kernel.yielded = this;
      return this.suspension();
    }
    return super.next(value);
  }
}

/**
 * Inside an effectively cancelled scope, a wait takes nothing: the task
 * yields (a schedule point) and gets `Cancelled` when it resumes, whether
 * or not the wait could have been satisfied at once. Returns whether it
 * did that; the caller then returns from `enter`.
 *
 * @internal
 */
export function cancelledCheckpoint(task: TaskImpl<unknown>): boolean {
  if (!task.scope._effectivelyCancelled) return false;
  task.wake(RETRY, true);
  return true;
}
