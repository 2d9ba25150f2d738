import { CancelScope, type Operation } from "@copse/core";
import { checkDuration, currentTime } from "@copse/core/internal";
import { TimeoutError } from "./timeout-error.js";

/**
 * The body of a timeout: a function that receives the timeout's
 * {@link CancelScope} and returns the operation to run inside it. Through
 * the scope the body can read or move the deadline (`scope.deadline`,
 * `scope.relativeDeadline`), shield itself (`scope.shield = true`) or
 * cancel itself (`scope.cancel()`).
 *
 * ```ts fragment
 * const body: TimeoutBody<string> = function* (scope) {
 *   scope.relativeDeadline = 50; // move the deadline to 50 ms from now
 *   return yield* call(() => load());
 * };
 * ```
 */
export type TimeoutBody<T> = (scope: CancelScope) => Operation<T>;

function checkBody(body: unknown, what: string): void {
  if (typeof body !== "function") {
    throw new TypeError(
      `${what} expects a function that returns an operation, got ${body === null ? "null" : typeof body}`,
    );
  }
}

function checkTime(time: unknown, what: string): number {
  if (typeof time !== "number" || Number.isNaN(time)) {
    throw new RangeError(`${what}: the deadline must be a number (not NaN), got ${String(time)}`);
  }
  return time;
}

/**
 * `moveOnAfter`/`moveOnAt` as an operation. Each `yield*` creates a fresh
 * cancel scope, so the same operation may be run again; the scope's
 * `run` is handed to the caller's `yield*` directly, so a timeout adds one
 * generator frame to the stack, not two (nesting depth is bounded by the
 * engine's stack: every resumption walks the whole `yield*` chain).
 */
class MoveOn<T> implements Operation<T | undefined> {
  constructor(
    private readonly options: { deadline: number } | { relativeDeadline: number },
    private readonly body: TimeoutBody<T>,
  ) {}

  [Symbol.iterator](): Iterator<unknown, T | undefined, unknown> {
    // Created here, at `yield*`: a relative deadline is fixed when the
    // scope is entered, which is the first `next()` right after this.
    return new CancelScope(this.options).run(this.body)[Symbol.iterator]();
  }
}

/** `failAfter`/`failAt`: a `MoveOn` that turns its own caught cancellation into a `TimeoutError`. */
class FailOn<T> implements Operation<T> {
  constructor(
    private readonly options: { deadline: number } | { relativeDeadline: number },
    private readonly body: TimeoutBody<T>,
  ) {}

  *[Symbol.iterator](): Generator<unknown, T, unknown> {
    const scope = new CancelScope(this.options);
    const value = yield* scope.run(this.body);
    // Trio's rule: the scope caught its own cancellation, whatever caused
    // it, so the block has no value to return. Any other way out (a value,
    // an error, a foreign `Cancelled`) never reaches this line with the
    // flag set.
    if (scope.cancelledCaught) throw timeoutError(scope.deadline);
    return value as T;
  }
}

function timeoutError(deadline: number): TimeoutError {
  if (currentTime() >= deadline) return new TimeoutError(deadline);
  return new TimeoutError(
    deadline,
    `the block's timeout scope was cancelled before its deadline (${deadline} ms on the runtime's clock)`,
  );
}

/**
 * Runs `body` with a deadline `ms` milliseconds after the moment the
 * timeout starts running (its `yield*`, not its creation). If the deadline
 * passes first, the body is cancelled and `moveOnAfter` returns `undefined`
 * with `scope.cancelledCaught === true`; otherwise it returns the body's
 * value.
 *
 * - **Suspension:** entering and leaving do not suspend; only the body
 *   does. The deadline acts at the body's suspensions: a task blocked
 *   inside is woken with `Cancelled` at the deadline, and code that runs
 *   without suspending is never interrupted (so `moveOnAfter(0, body)`
 *   expires at the first suspension inside, and a body that never suspends
 *   is never cancelled).
 * - **Cancellation:** the scope absorbs only its own cancellation (its
 *   deadline, or `scope.cancel()`). A cancellation from an enclosing scope
 *   passes through as `Cancelled`; if both fire at once, the outer scope
 *   catches it.
 * - **Eager path:** the timeout belongs to the task that is current at the
 *   `yield*`. Opened during the first step of a task started with
 *   `n.startTask`, it belongs to that new task — its expiry cancels that
 *   task only, never the caller of `startTask` — and its deadline is the
 *   same absolute time as when the task is started with `n.startSoon`
 *   (both first steps run at the same clock time).
 * - **Timers:** one entry in the runtime's timer heap, removed when the
 *   block ends; the clock itself is asked only for the earliest timer.
 *
 * To shield the block from enclosing cancellation (cleanup with a time
 * limit), set `scope.shield = true` before the body's first suspension.
 *
 * @param ms - the duration, non-negative; `Infinity` for no deadline.
 * @param body - called with the timeout's scope when the timeout starts.
 * @returns the body's value, or `undefined` if the scope caught its cancellation.
 * @throws RangeError when `ms` is negative or `NaN`, and TypeError when
 *   `body` is not a function — at the call, before anything runs.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 * import { moveOnAfter } from "@copse/timeout";
 *
 * const clock = new VirtualClock();
 * const task = run(function* () {
 *   const reply = yield* moveOnAfter(500, function* () {
 *     yield* sleep(2_000); // a slow peer
 *     return "pong";
 *   });
 *   return reply ?? "no reply within 500 ms";
 * }, { clock });
 * assert.deepEqual(task.outcome, { status: "ok", value: "no reply within 500 ms" });
 * assert.equal(clock.now(), 500);
 * ```
 */
export function moveOnAfter<T>(ms: number, body: TimeoutBody<T>): Operation<T | undefined> {
  checkDuration(ms, "moveOnAfter");
  checkBody(body, "moveOnAfter");
  return new MoveOn({ relativeDeadline: ms }, body);
}

/**
 * Like {@link moveOnAfter}, with an absolute deadline `time` on the
 * runtime's clock (ms; the clock's own scale, e.g. `performance.now()` for
 * the real clock). A time at or before now is allowed: the body is
 * cancelled at its first suspension (`cancelCalled` is `true` from the
 * start). `Infinity` means no deadline.
 *
 * Suspension, cancellation and eager-path behaviour are those of
 * {@link moveOnAfter}.
 *
 * @throws RangeError when `time` is `NaN` or not a number, and TypeError
 *   when `body` is not a function — at the call, before anything runs.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 * import { moveOnAt } from "@copse/timeout";
 *
 * const clock = new VirtualClock({ start: 1_000 });
 * const task = run(function* () {
 *   let ticks = 0;
 *   yield* moveOnAt(1_250, function* () {
 *     for (;;) {
 *       yield* sleep(100);
 *       ticks++;
 *     }
 *   });
 *   return ticks;
 * }, { clock });
 * assert.deepEqual(task.outcome, { status: "ok", value: 2 });
 * assert.equal(clock.now(), 1_250);
 * ```
 */
export function moveOnAt<T>(time: number, body: TimeoutBody<T>): Operation<T | undefined> {
  checkTime(time, "moveOnAt");
  checkBody(body, "moveOnAt");
  return new MoveOn({ deadline: time }, body);
}

/**
 * Runs `body` with a deadline `ms` milliseconds after the moment the
 * timeout starts running (its `yield*`); if the deadline cancels the body,
 * throws {@link TimeoutError} — Trio's `fail_after`.
 *
 * Precisely, `failAfter` throws `TimeoutError` whenever its own scope
 * caught its cancellation, whatever caused it (the deadline, or
 * `scope.cancel()` inside the body), so it never returns without a value.
 * Otherwise:
 * - the body returns: that value is returned, even if the deadline passed
 *   and the body caught and swallowed the `Cancelled` (then no
 *   `TimeoutError`: there was a value);
 * - an error other than `Cancelled` leaves the body: it propagates as it
 *   is (a `NurseryError` loses its `Cancelled` members, as with any scope);
 * - a cancellation from an enclosing scope is not a timeout: it propagates
 *   as `Cancelled`, also when the enclosing deadline is the same instant.
 *
 * Suspension, eager-path behaviour and timer cost are those of
 * {@link moveOnAfter}: the deadline belongs to the current task at the
 * `yield*`, so a `failAfter` opened in the first step of a task started
 * with `n.startTask` fails that task only.
 *
 * @param ms - the duration, non-negative; `Infinity` for no deadline.
 * @param body - called with the timeout's scope when the timeout starts.
 * @returns the body's value.
 * @throws TimeoutError when the timeout's scope caught its cancellation.
 * @throws RangeError when `ms` is negative or `NaN`, and TypeError when
 *   `body` is not a function — at the call, before anything runs.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { call, run } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 * import { failAfter, TimeoutError } from "@copse/timeout";
 *
 * // A request that never answers, and ignores its AbortSignal.
 * let signal: AbortSignal | undefined;
 * const hang = (s: AbortSignal) => ((signal = s), new Promise<string>(() => {}));
 *
 * const clock = new VirtualClock();
 * const task = run(() => failAfter(2_000, () => call(hang)), { clock });
 * // A pending promise may be real I/O, so virtual time does not jump
 * // while one is awaited: the test moves it.
 * clock.advance(2_000);
 * await assert.rejects(Promise.resolve(task), TimeoutError);
 * assert.equal(signal?.aborted, true);
 * ```
 */
export function failAfter<T>(ms: number, body: TimeoutBody<T>): Operation<T> {
  checkDuration(ms, "failAfter");
  checkBody(body, "failAfter");
  return new FailOn({ relativeDeadline: ms }, body);
}

/**
 * Like {@link failAfter}, with an absolute deadline `time` on the
 * runtime's clock. A time at or before now is allowed: the body is
 * cancelled at its first suspension and `failAt` throws
 * {@link TimeoutError}; a body that finishes without suspending returns
 * its value. `Infinity` means no deadline.
 *
 * Suspension, cancellation and eager-path behaviour are those of
 * {@link moveOnAfter}; what counts as a timeout is as for
 * {@link failAfter}.
 *
 * @throws TimeoutError when the timeout's scope caught its cancellation.
 * @throws RangeError when `time` is `NaN` or not a number, and TypeError
 *   when `body` is not a function — at the call, before anything runs.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 * import { failAt, TimeoutError } from "@copse/timeout";
 *
 * const clock = new VirtualClock();
 * const task = run(function* () {
 *   yield* sleep(300);
 *   try {
 *     return yield* failAt(200, () => sleep(1)); // already past: fails at once
 *   } catch (error) {
 *     return error instanceof TimeoutError ? "late" : "other";
 *   }
 * }, { clock });
 * assert.deepEqual(task.outcome, { status: "ok", value: "late" });
 * assert.equal(clock.now(), 300);
 * ```
 */
export function failAt<T>(time: number, body: TimeoutBody<T>): Operation<T> {
  checkTime(time, "failAt");
  checkBody(body, "failAt");
  return new FailOn({ deadline: time }, body);
}
