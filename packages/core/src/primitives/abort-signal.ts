import { baseScope, handleScope } from "../kernel/membership.js";
import { SharedInstruction, type Operation } from "../kernel/operation.js";
import type { TaskImpl } from "../kernel/task-impl.js";

class UseAbortSignal extends SharedInstruction<AbortSignal> {
  enter(task: TaskImpl<unknown>): void {
    // In its base scope a task shares the nursery's scope with its
    // siblings; its own handle scope also sees `task.cancel()`.
    const scope = task.scope === baseScope(task) ? handleScope(task) : task.scope;
    task.resumeSync(scope._signal());
  }
}

const USE_ABORT_SIGNAL = new UseAbortSignal();

/**
 * An `AbortSignal` that aborts when the cancel scope current at this call
 * becomes effectively cancelled (it, or an enclosing scope that no shield
 * hides, including `task.cancel()` of the current task). Its `reason` is the
 * `Cancelled`. The controller is created on first use, once per scope.
 * Completes without suspending.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { CancelScope, run, suspend, useAbortSignal } from "@copse/core";
 *
 * const events = new EventTarget();
 * let received = 0;
 * const scope = new CancelScope();
 * const task = run(() =>
 *   scope.run(function* () {
 *     const signal = yield* useAbortSignal();
 *     // The listener goes away when the scope is cancelled.
 *     events.addEventListener("data", () => received++, { signal });
 *     yield* suspend();
 *   }),
 * );
 * events.dispatchEvent(new Event("data"));
 * scope.cancel();
 * await task;
 * events.dispatchEvent(new Event("data"));
 * assert.equal(received, 1);
 * ```
 */
export function useAbortSignal(): Operation<AbortSignal> {
  return USE_ABORT_SIGNAL;
}
