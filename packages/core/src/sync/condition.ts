import { CancelScope } from "../kernel/cancel-scope.js";
import { kernel, requireCurrent } from "../kernel/current.js";
import { describeValue } from "../kernel/describe.js";
import type { Operation } from "../kernel/operation.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { TaskWaiter, WaitQueue } from "../kernel/wait-queue.js";
import type { GuardedBody } from "./guarded.js";
import { Lock, type LockState, type LockStatistics } from "./lock.js";
import { MUST_WAIT, WaitInstruction } from "./waiting.js";

/** What {@link Condition.statistics} reports. */
export interface ConditionStatistics {
  /** Tasks blocked in `wait()` and not yet notified. */
  readonly tasksWaiting: number;
  /** The statistics of the condition's lock (notified waiters wait there). */
  readonly lock: LockStatistics;
}

/** The wait for a notification: the task sleeps in the condition's queue until moved to the lock's. */
class ConditionPark extends WaitInstruction<void> {
  constructor(private readonly waiters: WaitQueue<TaskWaiter>) {
    super();
  }

  protected check(): void {}

  protected now(): typeof MUST_WAIT {
    return MUST_WAIT;
  }

  protected park(task: TaskImpl<unknown>): void {
    const waiter = new TaskWaiter(task, undefined, null);
    task.block(waiter);
    this.waiters.push(waiter);
  }
}

function* waitForNotify(
  lock: Lock,
  state: LockState,
  park: ConditionPark,
): Generator<unknown, void> {
  const task = requireCurrent("Condition.wait()");
  if (state.owner !== task) {
    throw new Error(
      "Condition.wait(): the current task must hold the condition's lock; acquire it first (or wait inside withLock)",
    );
  }
  state.release(task, "Condition.wait()");
  try {
    // Woken by a grant of the lock: `notify` moved this waiter into the
    // lock's queue, and a release handed the lock over.
    yield* park;
  } catch (error) {
    // Cancelled in either queue: get the lock back before raising, so the
    // caller's `finally` / `withLock` still holds it (Trio).
    if (state.owner !== task) yield* new CancelScope({ shield: true }).run(() => lock.acquire());
    throw error;
  }
}

function checkNotifyCount(n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new RangeError(
      `Condition.notify(n): n must be a non-negative integer, got ${describeValue(n)}`,
    );
  }
  return n;
}

/**
 * A condition variable over a {@link Lock} (Trio's `Condition`): a task
 * holding the lock waits with `wait()` until another task holding the lock
 * calls `notify()` or `notifyAll()`. Waiters are notified in FIFO order; a
 * notified waiter then queues for the lock behind the tasks already
 * waiting for it, and `wait()` returns once it holds the lock again.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { Condition, nursery, run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 *
 * const changed = new Condition();
 * const items: string[] = [];
 * const taken: string[] = [];
 * await run(
 *   () =>
 *     nursery(function* (n) {
 *       n.startSoon(() =>
 *         changed.withLock(function* () {
 *           while (items.length === 0) yield* changed.wait(); // releases the lock while waiting
 *           taken.push(items.shift()!);
 *         }),
 *       );
 *       yield* sleep(5);
 *       yield* changed.withLock(function* () {
 *         items.push("job");
 *         changed.notify();
 *       });
 *     }),
 *   { clock: new VirtualClock() },
 * );
 * assert.deepEqual(taken, ["job"]);
 * ```
 *
 * @throws TypeError if `lock` is given and is not a {@link Lock}.
 */
export class Condition {
  /** The lock the condition is over. */
  readonly lock: Lock;
  private readonly waiters = new WaitQueue<TaskWaiter>();
  private readonly park = new ConditionPark(this.waiters);

  constructor(lock?: Lock) {
    if (lock !== undefined && !(lock instanceof Lock)) {
      throw new TypeError(
        `Condition expects a Lock (or nothing, for a new one), got ${describeValue(lock)}`,
      );
    }
    this.lock = lock ?? new Lock();
  }

  /** Whether the lock is held. */
  get locked(): boolean {
    return this.lock.locked;
  }

  /** `lock.acquire()`: see {@link Lock.acquire}. */
  acquire(): Operation<void> {
    return this.lock.acquire();
  }

  /** `lock.tryAcquire()`: see {@link Lock.tryAcquire}. */
  tryAcquire(): boolean {
    return this.lock.tryAcquire();
  }

  /** `lock.release()`: see {@link Lock.release}. */
  release(): void {
    this.lock.release();
  }

  /** `lock.withLock(body)`: see {@link Lock.withLock}. */
  withLock<T>(body: GuardedBody<T>): Operation<T> {
    return this.lock.withLock(body);
  }

  /**
   * Releases the lock, waits for a notification, and returns once the
   * current task holds the lock again. Always suspends (a schedule point;
   * a cancellation point while it waits for the notification or for the
   * lock).
   *
   * On cancellation it still gets the lock back before throwing
   * `Cancelled` (shielded, as Trio does), so code like
   * `withLock(() => cond.wait())` releases a lock it holds; this can make
   * the cancellation wait for the lock. Inside an already cancelled scope
   * it releases the lock, yields, re-acquires it and throws `Cancelled`.
   *
   * @throws Error at the `yield*` if the current task does not hold the lock.
   */
  wait(): Operation<void> {
    return waitForNotify(this.lock, this.lock._state, this.park);
  }

  /**
   * Wakes up to `n` (default 1) waiting tasks, longest waiting first: each
   * moves to the back of the lock's queue and returns from `wait()` once it
   * holds the lock. Does not suspend.
   *
   * @throws Error if the current task does not hold the lock; RangeError for
   *   an `n` that is not a non-negative integer.
   */
  notify(n = 1): void {
    checkNotifyCount(n);
    this.checkHeld("Condition.notify()");
    const lockWaiters = this.lock._state.waiters;
    for (let i = 0; i < n; i++) {
      const waiter = this.waiters.shift();
      if (waiter === null) return;
      lockWaiters.push(waiter);
    }
  }

  /**
   * Wakes every waiting task (see {@link Condition.notify}). Does not suspend.
   *
   * @throws Error if the current task does not hold the lock.
   */
  notifyAll(): void {
    this.checkHeld("Condition.notifyAll()");
    const lockWaiters = this.lock._state.waiters;
    for (let waiter = this.waiters.shift(); waiter !== null; waiter = this.waiters.shift()) {
      lockWaiters.push(waiter);
    }
  }

  /** Debugging information: how many wait for a notification, and the lock's statistics. */
  statistics(): ConditionStatistics {
    return { tasksWaiting: this.waiters.size, lock: this.lock.statistics() };
  }

  private checkHeld(what: string): void {
    if (this.lock._state.owner === null || this.lock._state.owner !== kernel.current) {
      throw new Error(
        `${what}: the current task must hold the condition's lock; notify inside withLock (or between acquire and release)`,
      );
    }
  }
}
