import { kernel } from "../kernel/current.js";
import { describeValue } from "../kernel/describe.js";
import type { Operation } from "../kernel/operation.js";
import { TaskImpl } from "../kernel/task-impl.js";
import { TaskWaiter, WaitQueue } from "../kernel/wait-queue.js";
import { checkBody, runGuarded, type GuardedBody } from "./guarded.js";
import { MUST_WAIT, WaitInstruction } from "./waiting.js";

/** What {@link CapacityLimiter.statistics} reports. */
export interface CapacityLimiterStatistics {
  /** Tokens lent out now (may exceed `total` for a while after `total` was lowered). */
  readonly borrowed: number;
  /** The limiter's `total`. */
  readonly total: number;
  /** Who holds a token: tasks, or the objects given as borrowers. */
  readonly borrowers: readonly unknown[];
  /** Tasks blocked in `acquire()` right now. */
  readonly tasksWaiting: number;
}

function checkTotal(total: unknown): number {
  if (total !== Infinity && (typeof total !== "number" || !Number.isInteger(total) || total < 1)) {
    throw new RangeError(
      `CapacityLimiter: total must be a positive integer or Infinity, got ${describeValue(total)}`,
    );
  }
  return total as number;
}

function describeBorrower(borrower: unknown): string {
  return borrower instanceof TaskImpl
    ? `task ${borrower.name}`
    : `${describeValue(borrower)} given as borrower`;
}

/** Invariant: while tasks wait, every token is lent out. */
class LimiterState {
  readonly borrowers = new Set<unknown>();
  /** Each waiter's `value` is the borrower it waits for. */
  readonly waiters = new WaitQueue<TaskWaiter>();

  constructor(public total: number) {}

  heldError(borrower: unknown, what: string): Error {
    return new Error(
      `${what}: ${describeBorrower(borrower)} already holds one of this CapacityLimiter's tokens; a borrower holds at most one (release it first)`,
    );
  }

  /** Lends the free tokens to the first waiters, in order. */
  serve(): void {
    while (this.borrowers.size < this.total) {
      const next = this.waiters.shift();
      if (next === null) return;
      const borrower = next.value;
      if (this.borrowers.has(borrower)) {
        // The same borrower waited in two tasks and the other got a token first.
        next.fail(this.heldError(borrower, "CapacityLimiter.acquire()"));
        continue;
      }
      this.borrowers.add(borrower);
      next.grant(undefined);
    }
  }
}

class LimiterAcquire extends WaitInstruction<void> {
  constructor(
    private readonly state: LimiterState,
    /** Who borrows; `undefined`: the task that acquires. */
    private readonly borrower: unknown,
  ) {
    super();
  }

  protected check(task: TaskImpl<unknown>): void {
    const borrower = this.borrower === undefined ? task : this.borrower;
    if (this.state.borrowers.has(borrower)) {
      throw this.state.heldError(borrower, "CapacityLimiter.acquire()");
    }
  }

  protected now(task: TaskImpl<unknown>): undefined | typeof MUST_WAIT {
    const state = this.state;
    // While tasks wait every token is out, so a free token means nobody waits.
    if (state.borrowers.size >= state.total) return MUST_WAIT;
    state.borrowers.add(this.borrower === undefined ? task : this.borrower);
    return undefined;
  }

  protected park(task: TaskImpl<unknown>): void {
    const waiter = new TaskWaiter(task, this.borrower === undefined ? task : this.borrower, null);
    task.block(waiter);
    this.state.waiters.push(waiter);
  }
}

/**
 * A sack of `total` tokens that limits how many tasks do something at once
 * (Trio's `CapacityLimiter`): a task borrows a token with `acquire()` and
 * puts it back with `release()`; while every token is lent out, borrowers
 * wait in FIFO order. Each borrower — the current task, unless another
 * object is named — holds at most one token, and only a holder may put it
 * back: the checks a plain {@link Semaphore} does not make.
 *
 * `total` can be changed at any time: raising it lends the new tokens to
 * waiters at once; lowering it below the tokens lent out lets the holders
 * finish and lends nothing until fewer than `total` are out.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { CapacityLimiter, nursery, run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 *
 * const limiter = new CapacityLimiter(2);
 * let peak = 0;
 * await run(
 *   () =>
 *     nursery(function* (n) {
 *       for (let i = 0; i < 5; i++) {
 *         n.startSoon(() =>
 *           limiter.withToken(function* () {
 *             peak = Math.max(peak, limiter.borrowed);
 *             yield* sleep(10);
 *           }),
 *         );
 *       }
 *     }),
 *   { clock: new VirtualClock() },
 * );
 * assert.equal(peak, 2);
 * assert.deepEqual(limiter.statistics(), { borrowed: 0, total: 2, borrowers: [], tasksWaiting: 0 });
 * ```
 *
 * @throws RangeError if `total` is not a positive integer or `Infinity`.
 */
export class CapacityLimiter {
  private readonly state: LimiterState;
  private readonly acquireOperation: LimiterAcquire;

  constructor(total: number) {
    this.state = new LimiterState(checkTotal(total));
    this.acquireOperation = new LimiterAcquire(this.state, undefined);
  }

  /**
   * How many tokens the sack holds. Setting it takes effect at once:
   * raising it lends tokens to waiters (they become ready, FIFO); lowering
   * it takes no token back.
   *
   * @throws RangeError on setting anything but a positive integer or `Infinity`.
   */
  get total(): number {
    return this.state.total;
  }

  /** Sets how many tokens the sack holds (see the getter). */
  set total(total: number) {
    this.state.total = checkTotal(total);
    this.state.serve();
  }

  /** How many tokens are lent out. */
  get borrowed(): number {
    return this.state.borrowers.size;
  }

  /** How many tokens could be borrowed now (0 while `total` is below `borrowed`). */
  get available(): number {
    return Math.max(0, this.state.total - this.state.borrowers.size);
  }

  /**
   * Borrows a token for `borrower` (default: the current task), waiting
   * while every token is lent out.
   *
   * - A token free (and nobody waiting): borrows it without suspending (no
   *   schedule point, no turn, no promise), also during an eager first step.
   * - None: suspends until one is lent to it (FIFO); a cancellation point
   *   while waiting. Once lent, the token is the borrower's even if the task
   *   is cancelled before it runs again, so no token is lost.
   * - Inside an effectively cancelled scope: yields and throws `Cancelled`
   *   without borrowing.
   *
   * @throws Error at the `yield*` if the borrower holds a token already.
   */
  acquire(borrower?: object): Operation<void> {
    return borrower === undefined
      ? this.acquireOperation
      : new LimiterAcquire(this.state, borrower);
  }

  /**
   * Borrows a token for `borrower` (default: the current task) if one is
   * free, without suspending; returns whether it did.
   *
   * @throws Error if the borrower holds a token already, or outside a task
   *   when no borrower is given.
   */
  tryAcquire(borrower?: object): boolean {
    const state = this.state;
    const who = borrower ?? currentBorrower("CapacityLimiter.tryAcquire()");
    if (state.borrowers.has(who)) throw state.heldError(who, "CapacityLimiter.tryAcquire()");
    if (state.borrowers.size >= state.total || state.waiters.size > 0) return false;
    state.borrowers.add(who);
    return true;
  }

  /**
   * Puts back the token of `borrower` (default: the current task). If
   * tasks wait and a token is free, the first of them gets it and becomes
   * ready (it runs at a later turn, never on the caller's stack). Does not
   * suspend.
   *
   * @throws Error if the borrower holds no token of this limiter.
   */
  release(borrower?: object): void {
    const state = this.state;
    const who = borrower ?? currentBorrower("CapacityLimiter.release()");
    if (!state.borrowers.delete(who)) {
      throw new Error(
        `CapacityLimiter.release(): ${describeBorrower(who)} holds no token of this CapacityLimiter; release only what was acquired, once`,
      );
    }
    state.serve();
  }

  /**
   * Runs `body` (an operation, or a function returning one) holding a
   * token borrowed by the current task, and puts it back however the body
   * ends. Suspends as `acquire()` does and then as the body does.
   */
  withToken<T>(body: GuardedBody<T>): Operation<T> {
    checkBody(body, "CapacityLimiter.withToken");
    return runGuarded(this.acquireOperation, this, body);
  }

  /** Debugging information: tokens lent out, to whom, and how many wait. */
  statistics(): CapacityLimiterStatistics {
    const state = this.state;
    return {
      borrowed: state.borrowers.size,
      total: state.total,
      borrowers: [...state.borrowers],
      tasksWaiting: state.waiters.size,
    };
  }
}

function currentBorrower(what: string): TaskImpl<unknown> {
  const task = kernel.current;
  if (task === null) {
    throw new Error(
      `${what} was called outside any task without a borrower; call it from a task, or name the borrower`,
    );
  }
  return task;
}
