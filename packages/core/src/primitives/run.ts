import { realClock, type Clock } from "../kernel/clock.js";
import { describeValue } from "../kernel/describe.js";
import type { Operation } from "../kernel/operation.js";
import { startRoot } from "../kernel/root.js";
import type { SchedulePolicy } from "../kernel/runtime.js";
import type { Task } from "../kernel/task.js";

/** Options of {@link run}. */
export interface RunOptions {
  /** Aborting it cancels the root task (its reason becomes the cancel reason). */
  signal?: AbortSignal;
  /** The clock for every sleep and deadline in this run (default: the wall clock). */
  clock?: Clock;
  /** The root task's name (default: the body function's name, or `"main"`). */
  name?: string;
}

/** @internal `run` options for test kits. */
export interface KernelRunOptions extends RunOptions {
  policy?: SchedulePolicy;
}

/**
 * Runs an operation from ordinary code: creates a runtime (run queue, timer
 * heap, the given clock) and a root task, runs the root's first step now
 * (eagerly) and then every task that became ready, until all are blocked.
 * Returns the root task: `await` it, or `yield*` it from another run.
 *
 * If everything finishes without a real suspension, the returned task is
 * already `done` — no promise, microtask or timer was involved.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { run, sleep } from "@copse/core";
 *
 * const value = await run(function* () {
 *   yield* sleep(10);
 *   return 42;
 * });
 * assert.equal(value, 42);
 * ```
 *
 * Aborting `options.signal` cancels the root task; the task then ends
 * `cancelled` (awaiting it rejects with `Cancelled`) unless it handles the
 * cancellation.
 */
export function run<T>(body: () => Operation<T>, options?: RunOptions): Task<T> {
  return runWith(body, options);
}

/** @internal */
export function runWith<T>(body: () => Operation<T>, options: KernelRunOptions = {}): Task<T> {
  if (typeof body !== "function") {
    throw new TypeError(
      `run expects a function that returns an operation, got ${describeValue(body)}`,
    );
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(`run options must be an object, got ${describeValue(options)}`);
  }
  const { signal, clock = realClock, name, policy } = options;
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`run options.name must be a string, got ${describeValue(name)}`);
  }
  if (typeof clock?.now !== "function" || typeof clock.setTimer !== "function") {
    throw new TypeError(
      `run options.clock must have now() and setTimer(), got ${describeValue(clock)}`,
    );
  }
  return startRoot(body, { clock, name: name ?? (body.name || "main"), signal, policy });
}
