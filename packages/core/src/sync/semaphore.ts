import { describeValue } from "../kernel/describe.js";
import type { Operation } from "../kernel/operation.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { TaskWaiter, WaitQueue } from "../kernel/wait-queue.js";
import { checkBody, runGuarded, type GuardedBody } from "./guarded.js";
import { MUST_WAIT, WaitInstruction } from "./waiting.js";

/** Options of {@link Semaphore}. */
export interface SemaphoreOptions {
  /**
   * The highest value the semaphore may reach (a bounded semaphore): a
   * `release()` that would go beyond it throws. Default: no bound.
   */
  max?: number;
}

/** What {@link Semaphore.statistics} reports. */
export interface SemaphoreStatistics {
  /** Tasks blocked in `acquire()` right now. */
  readonly tasksWaiting: number;
}

/** Invariant: while tasks wait, the value is 0 (a release hands its permit to the first waiter). */
class SemaphoreState {
  readonly waiters = new WaitQueue<TaskWaiter>();
  constructor(
    public value: number,
    readonly max: number,
  ) {}
}

class SemaphoreAcquire extends WaitInstruction<void> {
  constructor(private readonly state: SemaphoreState) {
    super();
  }

  protected check(): void {}

  protected now(): undefined | typeof MUST_WAIT {
    const state = this.state;
    if (state.value === 0) return MUST_WAIT;
    state.value--;
    return undefined;
  }

  protected park(task: TaskImpl<unknown>): void {
    const waiter = new TaskWaiter(task, undefined, null);
    task.block(waiter);
    this.state.waiters.push(waiter);
  }
}

function checkCount(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * A counting semaphore (Trio's `Semaphore`): a value that `acquire()`
 * decrements, waiting while it is 0, and `release()` increments. Permits
 * are not owned: any code may release. Waiters are served in FIFO order: a
 * release hands its permit straight to the first waiter. With `max`, it is
 * a bounded semaphore whose value may not exceed `max`.
 *
 * To limit how many tasks do something at once, {@link CapacityLimiter}
 * checks more (a task holds at most one token, only a holder releases).
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { Semaphore, nursery, run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 *
 * const clock = new VirtualClock();
 * const slots = new Semaphore(2);
 * const finished: number[] = [];
 * await run(
 *   () =>
 *     nursery(function* (n) {
 *       for (let i = 0; i < 4; i++) {
 *         n.startSoon(() =>
 *           slots.withPermit(function* () {
 *             yield* sleep(10);
 *             finished.push(clock.now());
 *           }),
 *         );
 *       }
 *     }),
 *   { clock },
 * );
 * assert.deepEqual(finished, [10, 10, 20, 20]); // two at a time
 * ```
 *
 * @throws RangeError if `initial` is not a non-negative integer, or `max`
 *   is not an integer at least `initial`.
 */
export class Semaphore {
  private readonly state: SemaphoreState;
  private readonly acquireOperation: SemaphoreAcquire;

  constructor(initial: number, options?: SemaphoreOptions) {
    checkCount(initial, "Semaphore: the initial value");
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw new TypeError(`Semaphore options must be an object, got ${describeValue(options)}`);
    }
    const max = options?.max ?? Infinity;
    if (max !== Infinity && (typeof max !== "number" || !Number.isInteger(max) || max < initial)) {
      throw new RangeError(
        `Semaphore: max must be an integer no smaller than the initial value (${initial}), got ${describeValue(max)}`,
      );
    }
    this.state = new SemaphoreState(initial, max);
    this.acquireOperation = new SemaphoreAcquire(this.state);
  }

  /** The current value: how many permits are available. */
  get value(): number {
    return this.state.value;
  }

  /** The bound given as `max`, or `Infinity`. */
  get max(): number {
    return this.state.max;
  }

  /**
   * Takes a permit (decrements the value), waiting while there is none.
   *
   * - A permit available: takes it without suspending (no schedule point,
   *   no turn, no promise), also during an eager first step.
   * - None: suspends until a release hands one over (FIFO); a cancellation
   *   point while waiting. Once handed over, the permit is the task's even
   *   if it is cancelled before it runs again, so no permit is lost.
   * - Inside an effectively cancelled scope: yields and throws `Cancelled`
   *   without taking a permit.
   */
  acquire(): Operation<void> {
    return this.acquireOperation;
  }

  /** Takes a permit if one is available, without suspending; returns whether it did. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state.value === 0) return false;
    state.value--;
    return true;
  }

  /**
   * Returns a permit: hands it to the first waiter (which becomes ready
   * and runs at a later turn, never on the caller's stack), or increments
   * the value. Does not suspend; may be called from anywhere.
   *
   * @throws Error if the value would exceed `max`.
   */
  release(): void {
    const state = this.state;
    const next = state.waiters.shift();
    if (next !== null) {
      next.grant(undefined);
      return;
    }
    if (state.value >= state.max) {
      throw new Error(
        `Semaphore.release(): released more often than acquired (the value would exceed max ${state.max})`,
      );
    }
    state.value++;
  }

  /**
   * Runs `body` (an operation, or a function returning one) holding a
   * permit, and releases it however the body ends. Suspends as `acquire()`
   * does and then as the body does.
   */
  withPermit<T>(body: GuardedBody<T>): Operation<T> {
    checkBody(body, "Semaphore.withPermit");
    return runGuarded(this.acquireOperation, this, body);
  }

  /** Debugging information: how many tasks are waiting. */
  statistics(): SemaphoreStatistics {
    return { tasksWaiting: this.state.waiters.size };
  }
}
