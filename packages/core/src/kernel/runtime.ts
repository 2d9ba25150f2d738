import type { Clock } from "./clock.js";
import { nextMacrotask } from "./macrotask.js";
import { RunQueue } from "./run-queue.js";
import type { Task } from "./task.js";
import type { TaskImpl } from "./task-impl.js";
import { TimerHeap, type TimerEntry } from "./timer-heap.js";

/**
 * A choice of which ready task runs next and which of several timers due at
 * the same instant fires first. The default is FIFO for both; a test kit can
 * install another to explore schedules.
 *
 * @internal
 */
export interface SchedulePolicy {
  /** Index, among the `count` ready tasks (`ready`, in FIFO order), of the one to run next. */
  pickReady(count: number, ready: readonly Task<unknown>[]): number;
  /** Index, among `count` timers due at the same instant in setting order, of the one to fire next. */
  pickTimer(count: number): number;
}

/** What a runtime counted, for tests and benchmarks. @internal */
export interface RuntimeStats {
  /** Tasks taken from the run queue and stepped. */
  turns: number;
  /** Microtasks queued to drain the run queue after an outside wake-up. */
  microtasks: number;
  /** Times the runtime handed control back to the event loop on its time budget. */
  yields: number;
  /** Timers asked of the clock (the runtime asks for its earliest timer only). */
  clockTimers: number;
  /** Entries added to the runtime's timer heap (sleeps and deadlines). */
  heapTimers: number;
  /** Promises created for `await task` / `task.then`. */
  promises: number;
}

/** How long one drain may run before handing control back to the event loop. */
const BUDGET_MS = 4;
/**
 * Under a virtual clock (one with `onIdle`) the budget counts steps instead
 * of wall time, so whether a run finishes inside `run()` does not depend on
 * how loaded the machine is.
 */
const BUDGET_STEPS = 100_000;

const wallClock: () => number =
  typeof performance !== "undefined" ? () => performance.now() : () => Date.now();

/**
 * One runtime per `run` call: the FIFO run queue, the timer heap behind the
 * clock, and the loop that steps ready tasks.
 *
 * Scheduling (docs/decisions.md): ready tasks run in the order they became
 * ready; due timers are expired between batches (a batch is what was in the
 * queue when it started), in deadline order, ties in setting order. The
 * loop stops after `BUDGET_MS` of work (`BUDGET_STEPS` steps under a virtual
 * clock) and continues from a macrotask, so a task that loops on
 * `checkpoint()` cannot starve timers or I/O.
 *
 * @internal
 */
export class Runtime {
  readonly queue = new RunQueue<TaskImpl<unknown>>();
  readonly timers = new TimerHeap();
  /** Tasks in `waitAllTasksBlocked`, woken one at a time when nothing else can run. */
  readonly idleWaiters: TaskImpl<unknown>[] = [];
  /** `call`/`until` promises that a task still waits for (autojump waits for them). */
  pendingPromises = 0;
  policy: SchedulePolicy | null = null;
  readonly stats: RuntimeStats = {
    turns: 0,
    microtasks: 0,
    yields: 0,
    clockTimers: 0,
    heapTimers: 0,
    promises: 0,
  };

  /** Whether the loop is stepping tasks (or holding the queue for an eager root step). */
  private _draining = false;
  private abandoned = false;
  private drainQueued = false;
  private continuing = false;
  private batch = 0;
  private armedAt = NaN;
  private disarm: (() => void) | null = null;
  private readonly fire = (): void => this.onClockTimer();
  private readonly drainLater = (): void => {
    this.drainQueued = false;
    this.drain();
  };
  private readonly continueLater = (): void => {
    this.continuing = false;
    this.drain();
  };

  private readonly virtual: boolean;

  constructor(readonly clock: Clock) {
    this.virtual = clock.onIdle !== undefined;
  }

  /** Whether the loop is running: tasks may be stepped now, from its stack. */
  get draining(): boolean {
    return this._draining;
  }

  now(): number {
    return this.clock.now();
  }

  /** Queues a ready task; drains soon if nothing is draining. */
  enqueue(task: TaskImpl<unknown>): void {
    if (this.abandoned) return;
    this.queue.push(task);
    if (!this._draining && !this.drainQueued && !this.continuing) {
      this.drainQueued = true;
      this.stats.microtasks++;
      queueMicrotask(this.drainLater);
    }
  }

  /** Queues a ready task and drains now unless already draining (for promise callbacks). */
  enqueueAndDrain(task: TaskImpl<unknown>): void {
    if (this.abandoned) return;
    if (this._draining || this.continuing) {
      this.queue.push(task);
      return;
    }
    if (this.queue.length > 0 || this.timers.size > 0 || this.policy !== null) {
      this.queue.push(task);
      this.drain();
      return;
    }
    // Nothing else is ready and no timer is due: what `drain` would do is
    // step this one task, so step it without the queue and the batch.
    this._draining = true;
    try {
      this.stats.turns++;
      task.resumeFromQueue();
    } finally {
      this._draining = false;
    }
    if (this.queue.length > 0 || this.timers.size > 0 || this.idleWaiters.length > 0) this.drain();
    else if (this.disarm !== null) this.syncClockTimer();
  }

  /** Arms `entry` for time `at`. */
  addTimer(entry: TimerEntry, at: number): void {
    if (this.abandoned) return;
    this.stats.heapTimers++;
    this.timers.add(entry, at);
    if (!this._draining) this.syncClockTimer();
  }

  removeTimer(entry: TimerEntry): void {
    this.timers.remove(entry);
    if (!this._draining) this.syncClockTimer();
  }

  moveTimer(entry: TimerEntry, at: number): void {
    this.timers.update(entry, at);
    if (!this._draining) this.syncClockTimer();
  }

  /**
   * Runs `fn` (an eager step started from outside the loop, like `run`'s
   * root step) with the queue held, then drains: work it queues runs in
   * this same call, with no microtask.
   */
  hold(fn: () => void): void {
    if (this._draining) {
      fn();
      return;
    }
    this._draining = true;
    try {
      fn();
    } finally {
      this._draining = false;
    }
    this.drain();
  }

  /**
   * Gives up on this run: no task is stepped again, the queue and the
   * timers are dropped and the clock timer is disarmed. For test kits that
   * must stop a program that never ends (it swallows `Cancelled` and loops).
   */
  abandon(): void {
    this.abandoned = true;
    while (this.queue.shift() !== undefined);
    this.timers.clear();
    this.idleWaiters.length = 0;
    this.syncClockTimer();
  }

  /** Steps ready tasks until none is left, the budget is spent, or nothing can happen. */
  drain(): void {
    if (this._draining || this.abandoned) return;
    this._draining = true;
    // The budget's clock is read before the second step, not at the start:
    // most drains are a promise callback waking one task, and a clock read
    // per drain was 8 % of a bounded map over resolved promises. Only the
    // first step is outside the budget.
    let started = 0;
    let steps = 0;
    try {
      for (;;) {
        if (this.batch <= 0) {
          this.expireTimers();
          this.batch = this.policy === null ? this.queue.length : Math.min(1, this.queue.length);
          if (this.batch === 0) {
            if (this.idleWaiters.length > 0) {
              // Trio: waitAllTasksBlocked takes priority over the autojump.
              this.idleWaiters.shift()!.wake(undefined, true);
              continue;
            }
            if (
              this.pendingPromises === 0 &&
              this.clock.onIdle !== undefined &&
              this.timers.size > 0
            ) {
              this.syncClockTimer();
              if (this.clock.onIdle()) continue;
            }
            break;
          }
        }
        let task: TaskImpl<unknown> | undefined;
        if (this.policy === null) {
          task = this.queue.shift()!;
        } else {
          const pick = this.policy.pickReady(this.queue.length, this.queue.toArray());
          if (this.abandoned) break; // the policy gave up on the run
          task = this.queue.takeAt(pick);
          if (task === undefined) {
            throw new RangeError(
              `pickReady returned ${pick}, not an index among ${this.queue.length} ready tasks`,
            );
          }
        }
        if (steps === 1 && !this.virtual) started = wallClock(); // a second step: start the budget
        this.batch--;
        this.stats.turns++;
        task.resumeFromQueue();
        if (this.abandoned) break;
        // The budget, checked every 16 steps.
        if ((++steps & 15) !== 0) continue;
        if (this.virtual ? steps < BUDGET_STEPS : wallClock() - started <= BUDGET_MS) continue;
        if (this.queue.length > 0 || this.timers.size > 0) {
          this.batch = 0;
          this.continuing = true;
          this.stats.yields++;
          nextMacrotask(this.continueLater);
        }
        break;
      }
    } finally {
      this._draining = false;
      this.syncClockTimer();
    }
  }

  /** Fires every timer whose time has come, in deadline order (ties: setting order). */
  private expireTimers(): void {
    const timers = this.timers;
    if (timers.size === 0) return;
    const now = this.clock.now();
    if (this.policy === null) {
      for (let entry = timers.popDue(now); entry !== undefined; entry = timers.popDue(now)) {
        entry.fire();
      }
      return;
    }
    // Schedule exploration: the policy picks the order among timers due at
    // the same instant; one that an earlier one removes does not fire.
    for (let same = timers.popDueBatch(now); same.length > 0; same = timers.popDueBatch(now)) {
      for (;;) {
        same = same.filter((entry) => timers.isDue(entry));
        if (same.length === 0) break;
        const [entry] = same.splice(this.policy.pickTimer(same.length), 1);
        timers.fireDue(entry!);
      }
    }
  }

  private onClockTimer(): void {
    this.armedAt = NaN;
    this.disarm = null;
    // While draining, the next batch boundary expires the due timers.
    if (!this._draining) this.drain();
  }

  /** Keeps exactly one clock timer armed, for the earliest entry of the heap. */
  private syncClockTimer(): void {
    const top = this.timers.peek();
    const at = top === undefined ? NaN : top.at;
    if (at === this.armedAt || (Number.isNaN(at) && this.disarm === null)) return;
    if (this.disarm !== null) {
      this.disarm();
      this.disarm = null;
    }
    this.armedAt = at;
    if (top !== undefined) {
      this.stats.clockTimers++;
      this.disarm = this.clock.setTimer(at, this.fire);
    }
  }
}
