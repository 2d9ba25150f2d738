import { CancelScope, type Operation } from "@copse/core";
import { checkDuration } from "@copse/core/internal";
import { TimeoutError } from "./timeout-error.js";

/** The body of a timeout: receives the timeout's cancel scope. */
export type TimeoutBody<T> = (scope: CancelScope) => Operation<T>;

const RELATIVE = 0;
const ABSOLUTE = 1;

function checkBody(body: unknown, what: string): void {
  if (typeof body !== "function") {
    throw new TypeError(`${what} expects a function that returns an operation, got ${typeof body}`);
  }
}

function checkTime(time: unknown, what: string): number {
  if (typeof time !== "number" || Number.isNaN(time)) {
    throw new RangeError(`${what}: the deadline must be a number (not NaN), got ${String(time)}`);
  }
  return time;
}

/**
 * A timeout as an operation: each run creates a fresh cancel scope, so the
 * operation may be run again. A relative timeout fixes its deadline when it
 * starts running (at `yield*`), not when it is created.
 */
class Timeout<T> implements Operation<T | undefined> {
  constructor(
    private readonly kind: number,
    private readonly time: number,
    private readonly fail: boolean,
    private readonly body: TimeoutBody<T>,
  ) {}

  *[Symbol.iterator](): Generator<unknown, T | undefined> {
    const scope =
      this.kind === RELATIVE
        ? new CancelScope({ relativeDeadline: this.time })
        : new CancelScope({ deadline: this.time });
    const value = yield* scope.run(this.body);
    if (this.fail && scope.cancelledCaught) throw new TimeoutError(scope.deadline);
    return value;
  }
}

/**
 * Runs `body` with a deadline `ms` from when it starts; on expiry the body
 * is cancelled (at its next suspension) and `moveOnAfter` returns
 * `undefined`, with `scope.cancelledCaught === true`. The deadline belongs
 * to the current task — during the eager first step of a `startTask`, the
 * new task, never its caller.
 *
 * `moveOnAfter(0, body)` expires at the first suspension inside.
 *
 * @throws RangeError for a negative `ms` or `NaN`, before anything runs.
 *
 * ```ts
 * const reply = yield* moveOnAfter(500, () => call(() => ping(host)));
 * if (reply === undefined) console.log("no reply within 500 ms");
 * ```
 */
export function moveOnAfter<T>(ms: number, body: TimeoutBody<T>): Operation<T | undefined> {
  checkDuration(ms, "moveOnAfter");
  checkBody(body, "moveOnAfter");
  return new Timeout(RELATIVE, ms, false, body);
}

/**
 * Like {@link moveOnAfter} with an absolute deadline on the runtime's clock.
 * A time in the past is allowed: the body is cancelled at its first
 * suspension.
 *
 * @throws RangeError for `NaN`.
 */
export function moveOnAt<T>(time: number, body: TimeoutBody<T>): Operation<T | undefined> {
  checkTime(time, "moveOnAt");
  checkBody(body, "moveOnAt");
  return new Timeout(ABSOLUTE, time, false, body);
}

/**
 * Runs `body` with a deadline `ms` from when it starts; if the deadline
 * cancels the body, throws {@link TimeoutError} (Trio's `fail_after`).
 * Precisely: it throws whenever its scope caught its own cancellation, so it
 * never returns without a value. If the body swallows the `Cancelled` and
 * returns, that value is returned; an error other than `Cancelled` that
 * leaves the body propagates as it is. Cancellation from an enclosing scope
 * is not a timeout: it propagates as `Cancelled`.
 *
 * @throws RangeError for a negative `ms` or `NaN`, before anything runs.
 *
 * ```ts
 * const body = yield* failAfter(2_000, () =>
 *   call((signal) => fetch(url, { signal }).then((r) => r.text())),
 * );
 * ```
 */
export function failAfter<T>(ms: number, body: TimeoutBody<T>): Operation<T> {
  checkDuration(ms, "failAfter");
  checkBody(body, "failAfter");
  return new Timeout(RELATIVE, ms, true, body) as Operation<T>;
}

/**
 * Like {@link failAfter} with an absolute deadline on the runtime's clock.
 *
 * @throws RangeError for `NaN`.
 */
export function failAt<T>(time: number, body: TimeoutBody<T>): Operation<T> {
  checkTime(time, "failAt");
  checkBody(body, "failAt");
  return new Timeout(ABSOLUTE, time, true, body) as Operation<T>;
}
