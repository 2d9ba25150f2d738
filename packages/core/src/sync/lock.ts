import { kernel, requireCurrent } from "../kernel/current.js";
import type { Operation } from "../kernel/operation.js";
import type { Task } from "../kernel/task.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { TaskWaiter, WaitQueue } from "../kernel/wait-queue.js";
import { checkBody, runGuarded, type GuardedBody } from "./guarded.js";
import { MUST_WAIT, WaitInstruction } from "./waiting.js";

/** What {@link Lock.statistics} reports. */
export interface LockStatistics {
  /** Whether the lock is held. */
  readonly locked: boolean;
  /** The task holding it, or null. */
  readonly owner: Task<unknown> | null;
  /** Tasks blocked in `acquire()` right now. */
  readonly tasksWaiting: number;
}

/**
 * A lock's state, shared with {@link Condition}, which parks its notified
 * waiters in the lock's queue. Invariant: while tasks wait, the lock has
 * an owner (a release hands the lock to the first waiter).
 *
 * @internal
 */
export class LockState {
  owner: TaskImpl<unknown> | null = null;
  readonly waiters = new WaitQueue<TaskWaiter>();

  /** Releases the lock held by `task`: hands it to the first waiter (no barging), or frees it. */
  release(task: TaskImpl<unknown> | null, what: string): void {
    const owner = this.owner;
    if (owner === null) {
      throw new Error(
        `${what}: the lock is not held; release a lock only in the task that acquired it, once per acquire`,
      );
    }
    if (owner !== task) {
      throw new Error(
        `${what}: the lock is held by task ${owner.name}, not by ${task === null ? "code outside any task" : `task ${task.name}`}; only the task that acquired a lock may release it`,
      );
    }
    const next = this.waiters.shift();
    if (next === null) {
      this.owner = null;
    } else {
      this.owner = next.task;
      next.grant(undefined);
    }
  }

  reacquireError(task: TaskImpl<unknown>, what: string): Error {
    return new Error(
      `${what}: task ${task.name} already holds this lock; a Lock is not reentrant, so this would wait forever (release it first)`,
    );
  }
}

class LockAcquire extends WaitInstruction<void> {
  constructor(private readonly state: LockState) {
    super();
  }

  protected check(task: TaskImpl<unknown>): void {
    if (this.state.owner === task) throw this.state.reacquireError(task, "Lock.acquire()");
  }

  protected now(task: TaskImpl<unknown>): undefined | typeof MUST_WAIT {
    const state = this.state;
    if (state.owner !== null) return MUST_WAIT;
    state.owner = task;
    return undefined;
  }

  protected park(task: TaskImpl<unknown>): void {
    const waiter = new TaskWaiter(task, undefined, null);
    task.block(waiter);
    this.state.waiters.push(waiter);
  }
}

/**
 * A mutual-exclusion lock owned by a task (Trio's `Lock`, which is also
 * its `StrictFIFOLock`): not reentrant, only the owner may release it,
 * and waiters get it strictly in the order they asked — a release hands
 * the lock to the first waiter, so a task that comes later cannot barge
 * in. Prefer {@link Lock.withLock}, which releases on every way out.
 *
 * A task that ends while holding the lock leaves it locked: release in a
 * `finally` (or use `withLock`).
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { Lock, nursery, run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 *
 * const lock = new Lock();
 * const log: string[] = [];
 * function* writer(name: string) {
 *   yield* lock.withLock(function* () {
 *     log.push(`${name} in`);
 *     yield* sleep(10); // others wait meanwhile
 *     log.push(`${name} out`);
 *   });
 * }
 * await run(
 *   () =>
 *     nursery(function* (n) {
 *       n.startSoon(() => writer("a"));
 *       n.startSoon(() => writer("b"));
 *     }),
 *   { clock: new VirtualClock() },
 * );
 * assert.deepEqual(log, ["a in", "a out", "b in", "b out"]);
 * ```
 */
export class Lock {
  /** @internal */
  readonly _state = new LockState();
  private readonly acquireOperation = new LockAcquire(this._state);

  /** Whether some task holds the lock. */
  get locked(): boolean {
    return this._state.owner !== null;
  }

  /**
   * Acquires the lock for the current task, waiting for it if needed.
   *
   * - Free: the current task owns it at once, without suspending (no
   *   schedule point, no turn, no promise), also during an eager first step.
   * - Held: suspends until the holders before it have released it
   *   (strict FIFO); a cancellation point while waiting. Once a release
   *   hands the lock over, the acquire has happened: the task gets the
   *   lock even if it is cancelled before it runs again (it then releases
   *   it as usual, e.g. in `withLock`), so a lock is never lost.
   * - Inside an effectively cancelled scope: yields and throws `Cancelled`
   *   without taking the lock, even if it is free.
   *
   * @throws Error at the `yield*` if the current task holds the lock already.
   */
  acquire(): Operation<void> {
    return this.acquireOperation;
  }

  /**
   * Acquires the lock if it is free, without suspending; returns whether
   * it did. Not a cancellation point.
   *
   * @throws Error outside a task, or if the current task holds the lock already.
   */
  tryAcquire(): boolean {
    const task = requireCurrent("Lock.tryAcquire()");
    const state = this._state;
    if (state.owner === task) throw state.reacquireError(task, "Lock.tryAcquire()");
    if (state.owner !== null) return false;
    state.owner = task;
    return true;
  }

  /**
   * Releases the lock. If tasks are waiting, the first of them owns it
   * now and becomes ready (it runs at a later turn, never on the caller's
   * stack); otherwise the lock is free. Does not suspend.
   *
   * @throws Error if the lock is not held, or is held by another task (the
   *   message names the owner).
   */
  release(): void {
    this._state.release(kernel.current, "Lock.release()");
  }

  /**
   * Runs `body` (an operation, or a function returning one) holding the
   * lock: acquires it, runs the body, and releases the lock however the
   * body ends (value, error, `Cancelled`). Returns the body's value.
   * Suspends as `acquire()` does and then as the body does; if the lock is
   * free and the body does not suspend, nothing suspends.
   *
   * @throws TypeError at the call if `body` is neither an operation nor a
   *   function; at the `yield*` the errors of `acquire()` and the body's.
   */
  withLock<T>(body: GuardedBody<T>): Operation<T> {
    checkBody(body, "Lock.withLock");
    return runGuarded(this.acquireOperation, this, body);
  }

  /** Debugging information: whether it is held, by whom, and how many wait. */
  statistics(): LockStatistics {
    const state = this._state;
    return {
      locked: state.owner !== null,
      owner: state.owner,
      tasksWaiting: state.waiters.size,
    };
  }
}
