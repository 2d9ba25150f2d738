import { kernel } from "../kernel/current.js";
import { ENTER_AGAIN, Instruction } from "../kernel/operation.js";
import type { TaskImpl } from "../kernel/task-impl.js";

/** What {@link WaitInstruction.now} returns when the wait cannot complete at once. @internal */
export const MUST_WAIT: unique symbol = Symbol("copse.mustWait");

/**
 * The instruction of a wait on a synchronization primitive or a channel.
 * Its steps, which subclasses fill in:
 *
 * 1. `check(task)`: usage errors (a lock the task holds already, a closed
 *    end) are thrown at the `yield*`, cancelled or not;
 * 2. inside an effectively cancelled scope the wait takes nothing: the
 *    task yields (a schedule point) and gets `Cancelled` when it resumes
 *    (Trio's `checkpoint_if_cancelled`);
 * 3. `now(task)`: a wait that can be satisfied at once completes right in
 *    `next()`, without yielding to the driver at all — no suspension, no
 *    turn, no promise (the eager fast path, as for joining a finished task);
 * 4. `park(task)`: otherwise the task blocks in the primitive's wait queue.
 *
 * Instructions hold no per-wait state, so one object per primitive (a
 * lock's `acquire()`, a receive end's `receive()`) serves every wait; the
 * object that yields itself to the driver is made only when a task waits.
 *
 * @internal
 */
export abstract class WaitInstruction<T> extends Instruction<T> {
  private yielding: IteratorResult<unknown, T> | null = null;

  /** Throws the usage errors of this wait for `task`. */
  protected abstract check(task: TaskImpl<unknown>): void;
  /** Completes the wait at once if it can: returns its value, or {@link MUST_WAIT}. */
  protected abstract now(task: TaskImpl<unknown>): T | typeof MUST_WAIT;
  /** Blocks `task` in the primitive's queue (`now` just said it must wait). */
  protected abstract park(task: TaskImpl<unknown>): void;

  override next(value?: unknown): IteratorResult<unknown, T> {
    const k = kernel;
    if (k.resuming === this) {
      k.resuming = null;
      if (value !== ENTER_AGAIN) return { done: true, value: value as T };
      // Cancelled at entry, then resumed with no cancellation visible (a
      // shield was raised meanwhile): the wait has not happened; try afresh.
    }
    const task = k.current;
    if (task !== null) {
      this.check(task);
      if (!task.scope._effectivelyCancelled) {
        const result = this.now(task);
        if (result !== MUST_WAIT) return { done: true, value: result };
      }
    }
    k.yielded = this;
    return (this.yielding ??= { done: false, value: this });
  }

  enter(task: TaskImpl<unknown>): void {
    if (task.scope._effectivelyCancelled) task.enterAgainAtTurn();
    else this.park(task);
  }
}
