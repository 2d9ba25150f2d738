/**
 * What `failAfter` and `failAt` throw when their own scope
 * caught its cancellation — normally because the deadline passed (Trio's
 * `TooSlowError`). `name === "TimeoutError"`, so it reads well in logs and
 * can be told apart from a `Cancelled` coming from an enclosing scope.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 * import { failAfter, TimeoutError } from "@copse/timeout";
 *
 * const clock = new VirtualClock();
 * const task = run(() => failAfter(100, () => sleep(1_000)), { clock });
 * const error = task.outcome?.status === "error" ? task.outcome.error : undefined;
 * assert.ok(error instanceof TimeoutError);
 * assert.equal(error.name, "TimeoutError");
 * assert.equal(error.deadline, 100);
 * assert.equal(clock.now(), 100);
 * ```
 */
export class TimeoutError extends Error {
  /**
   * The absolute deadline (ms on the runtime's clock) of the scope that
   * caught the cancellation. It is the deadline the scope had when it ended,
   * so it reflects changes made inside the block (`scope.deadline = ...`).
   */
  readonly deadline: number;

  /**
   * @param deadline - the scope's deadline when it ended (ms on the runtime's clock).
   * @param message - defaults to a sentence naming the deadline.
   */
  constructor(
    deadline: number,
    message = `the block did not finish before its deadline (${deadline} ms on the runtime's clock)`,
  ) {
    super(message);
    this.name = "TimeoutError";
    this.deadline = deadline;
  }
}
