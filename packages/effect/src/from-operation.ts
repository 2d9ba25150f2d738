import { CancelScope, Cancelled, run, type Clock, type Operation, type Outcome } from "@copse/core";
import { Effect } from "effect";
import { describeValue } from "./describe.js";
import { EffectFailure } from "./effect-failure.js";

/** Options of {@link fromOperation}: how the copse run is set up. */
export interface FromOperationOptions {
  /** The clock of the copse run (default: the wall clock); e.g. a `VirtualClock` in tests. */
  readonly clock?: Clock;
  /** The name of the run's root task (default: the body function's name). */
  readonly name?: string;
}

/** How an error thrown by the copse operation fails the Effect. */
function fromError(error: unknown): Effect.Effect<never, unknown> {
  // A round trip: an Effect's failure that crossed copse fails with its own Cause.
  if (error instanceof EffectFailure) return Effect.failCause(error.cause);
  // The operation ended cancelled on its own: an interruption from inside.
  if (error instanceof Cancelled) return Effect.interrupt;
  return Effect.fail(error);
}

function fromOutcome<T>(outcome: Outcome<T>): Effect.Effect<T, unknown> {
  switch (outcome.status) {
    case "ok":
      return Effect.succeed(outcome.value);
    case "error":
      return fromError(outcome.error);
    case "cancelled":
      return Effect.interrupt;
  }
}

function* inScope<T>(scope: CancelScope, body: () => Operation<T>): Operation<T> {
  // `undefined` only when the scope caught our own cancellation: then no one reads it.
  return (yield* scope.run(body)) as T;
}

function checkOptions(options: unknown): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`fromOperation options must be an object, got ${describeValue(options)}`);
  }
  const { clock, name } = options as { clock?: Partial<Clock>; name?: unknown };
  if (
    clock !== undefined &&
    (typeof clock?.now !== "function" || typeof clock.setTimer !== "function")
  ) {
    throw new TypeError(
      `fromOperation options.clock must have now() and setTimer(), got ${describeValue(clock)}`,
    );
  }
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`fromOperation options.name must be a string, got ${describeValue(name)}`);
  }
}

/**
 * An Effect that runs a copse operation: each time the Effect runs, it
 * calls `body()` and runs the operation with copse's `run`, on copse's own
 * runtime (its run queue, its clock).
 *
 * - **Success and failure.** The Effect succeeds with the operation's
 *   value. An error the operation throws becomes the Effect's typed error
 *   as it is (a `NurseryError` keeps every member); an {@link EffectFailure}
 *   (an Effect that failed inside copse) fails with its original `Cause`;
 *   an operation that ends cancelled on its own is an interruption.
 * - **Suspension.** The operation starts eagerly, when the Effect runs: if
 *   it finishes without suspending, the Effect completes synchronously, so
 *   `Effect.runSync` works on it. Otherwise the fiber waits, and resumes
 *   after the operation's task has ended. (Under `Effect.runSync`, an
 *   operation that suspends makes `runSync` throw Effect's
 *   `AsyncFiberError`, as any async Effect does.)
 * - **Interruption.** Interrupting the fiber — `Fiber.interrupt`,
 *   `Effect.timeout`, the losers of `Effect.race`, closing the `Scope` a
 *   fiber was forked in — cancels the copse task and waits until it has
 *   ended: its `finally` blocks run to the end (also the parts that wait in
 *   a shielded `CancelScope`) before the fiber's interruption completes. If
 *   the task ends with an error other than `Cancelled` (a `finally` block
 *   threw), the error is added to the fiber's Cause as a defect.
 *
 * `body` is a function, not an operation: an Effect can run many times, a
 * generator object only once. Throws a `TypeError` at the call if `body`
 * is not a function or the options are invalid.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { sleep } from "@copse/core";
 * import { fromOperation } from "@copse/effect";
 * import { Effect, Option } from "effect";
 *
 * // Finishes without suspending: runSync works.
 * const cached = fromOperation(function* () {
 *   return 42;
 * });
 * assert.equal(Effect.runSync(cached), 42);
 *
 * // Interrupted by Effect.timeout: the copse finally block runs first.
 * const log: string[] = [];
 * const slow = fromOperation(function* () {
 *   try {
 *     yield* sleep(1_000);
 *     return "slow";
 *   } finally {
 *     log.push("copse cleanup");
 *   }
 * });
 * const result = await Effect.runPromise(Effect.timeoutOption(slow, "5 millis"));
 * assert.deepEqual(result, Option.none());
 * assert.deepEqual(log, ["copse cleanup"]);
 * ```
 */
export function fromOperation<T>(
  body: () => Operation<T>,
  options?: FromOperationOptions,
): Effect.Effect<T, unknown> {
  if (typeof body !== "function") {
    const iterator =
      body !== null &&
      typeof body === "object" &&
      typeof (body as { next?: unknown }).next === "function";
    throw new TypeError(
      `fromOperation expects a function that returns an operation, got ${describeValue(body)}` +
        (iterator ? "; write fromOperation(() => op): an Effect may run many times" : ""),
    );
  }
  checkOptions(options);
  const runOptions = { clock: options?.clock, name: options?.name ?? (body.name || undefined) };
  return Effect.callback<T, unknown>((resume) => {
    // The operation runs inside a scope of its own, which an interruption
    // cancels: when the cancellation comes back (as `Cancelled`, or inside
    // a NurseryError next to real failures), that scope absorbs it.
    const scope = new CancelScope();
    const task = run(() => inScope(scope, body), runOptions);
    const outcome = task.outcome;
    if (outcome !== undefined) {
      resume(fromOutcome(outcome));
      return;
    }
    task.then(
      (value) => resume(Effect.succeed(value)),
      (error: unknown) => resume(fromError(error)),
    );
    // Interruption: cancel the task and wait for its end, finally blocks included.
    return Effect.callback<void>((ended) => {
      scope.cancel();
      task.then(
        () => ended(Effect.void),
        (error: unknown) => ended(error instanceof Cancelled ? Effect.void : Effect.die(error)),
      );
    });
  });
}
