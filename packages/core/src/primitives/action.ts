import { describeValue } from "../kernel/describe.js";
import { Instruction, type Operation } from "../kernel/operation.js";
import type { Blocker } from "../kernel/protocols.js";
import type { TaskImpl } from "../kernel/task-impl.js";

/**
 * The setup of an {@link action}: call `resolve` or `reject` (now or later,
 * from anywhere), and optionally return a teardown.
 */
export type ActionSetup<T> = (
  resolve: (value: T) => void,
  reject: (error: unknown) => void,
) => (() => void) | void;

class Action<T> extends Instruction<T> {
  constructor(private readonly setup: ActionSetup<T>) {
    super();
  }

  enter(task: TaskImpl<unknown>): void {
    new PendingAction<T>(task).begin(this.setup);
  }
}

/** One run of an action: settles once, then tears down. */
class PendingAction<T> implements Blocker {
  private settled = false;
  private teardown: (() => void) | void = undefined;

  constructor(private readonly task: TaskImpl<unknown>) {}

  begin(setup: ActionSetup<T>): void {
    const task = this.task;
    try {
      const teardown = setup(
        (value) => this.settle(true, value),
        (error) => this.settle(false, error),
      );
      if (teardown !== undefined && typeof teardown !== "function") {
        throw new TypeError(
          `an action's setup must return a teardown function or nothing, got ${describeValue(teardown)}`,
        );
      }
      this.teardown = teardown;
    } catch (error) {
      // A setup that throws fails the `yield*`, even if it had resolved.
      this.settled = true;
      task.resumeSyncThrowing(error);
    }
    if (this.settled) {
      this.runTeardown();
      return;
    }
    // Not settled during setup: a real suspension.
    // Inside a cancelled scope it is torn down at once; if a shield hides
    // the cancellation by the task's turn, the action is entered (and set
    // up) again, since it never waited.
    if (!task.block(this)) {
      this.settled = true;
      this.runTeardown();
    }
  }

  private settle(ok: boolean, value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    const task = this.task;
    if (task.entering) {
      // Resumed during its own setup: no suspension, no stack growth.
      if (ok) task.resumeSync(value);
      else task.resumeSyncThrowing(value);
      return;
    }
    this.runTeardown();
    if (ok) task.wake(value, true);
    else task.wakeThrowing(value, true);
  }

  abortWait(): void {
    this.settled = true;
    this.runTeardown();
  }

  private runTeardown(): void {
    const teardown = this.teardown;
    this.teardown = undefined;
    if (typeof teardown === "function") teardown();
  }
}

/**
 * Waits for a callback: runs `setup` with `resolve` and `reject`, and
 * suspends the task until one of them is called. The first call wins;
 * later calls are ignored. The teardown that `setup` returns runs once,
 * when the action settles or is cancelled.
 *
 * If `resolve` or `reject` is called during `setup` itself, the action
 * completes without suspending (no schedule point, no cancellation point,
 * no stack growth). Otherwise it is a cancellation point: on cancellation
 * the teardown runs and the task gets `Cancelled`.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { action, run } from "@copse/core";
 *
 * const button = new EventTarget();
 * const task = run(function* () {
 *   const event = yield* action<Event>((resolve) => {
 *     button.addEventListener("click", resolve, { once: true });
 *     return () => button.removeEventListener("click", resolve);
 *   });
 *   return event.type;
 * });
 * button.dispatchEvent(new Event("click"));
 * assert.equal(await task, "click");
 * ```
 */
export function action<T>(setup: ActionSetup<T>): Operation<T> {
  if (typeof setup !== "function") {
    throw new TypeError(`action expects a setup function, got ${describeValue(setup)}`);
  }
  return new Action(setup);
}
