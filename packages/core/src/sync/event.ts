import type { Operation } from "../kernel/operation.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { TaskWaiter, WaitQueue } from "../kernel/wait-queue.js";
import { MUST_WAIT, WaitInstruction } from "./waiting.js";

/** What {@link Event.statistics} reports. */
export interface EventStatistics {
  /** Tasks blocked in `wait()` right now. */
  readonly tasksWaiting: number;
}

class EventState {
  set = false;
  readonly waiters = new WaitQueue<TaskWaiter>();
}

class EventWait extends WaitInstruction<void> {
  constructor(private readonly state: EventState) {
    super();
  }

  protected check(): void {}

  protected now(): undefined | typeof MUST_WAIT {
    return this.state.set ? undefined : MUST_WAIT;
  }

  protected park(task: TaskImpl<unknown>): void {
    const waiter = new TaskWaiter(task, undefined, null);
    task.block(waiter);
    this.state.waiters.push(waiter);
  }
}

/**
 * A one-shot flag that tasks can wait for (Trio's `Event`): it starts
 * unset, `set()` sets it for good and wakes every waiter, and `wait()`
 * returns once it is set. Whether `set()` comes before or after a `wait()`
 * does not matter, so no wake-up is lost. There is no `clear()`: for a
 * series of happenings, make a new `Event` for each (they are cheap) or use
 * a {@link channel}.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { Event, nursery, run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 *
 * const clock = new VirtualClock();
 * const ready = new Event();
 * const log: string[] = [];
 * await run(
 *   () =>
 *     nursery(function* (n) {
 *       n.startSoon(function* () {
 *         yield* ready.wait(); // suspends until set
 *         log.push(`woken at ${clock.now()}`);
 *       });
 *       yield* sleep(10);
 *       ready.set();
 *       yield* ready.wait(); // already set: returns without suspending
 *       log.push("set");
 *     }),
 *   { clock },
 * );
 * assert.deepEqual(log, ["set", "woken at 10"]);
 * ```
 */
export class Event {
  private readonly state = new EventState();
  private readonly waitOperation = new EventWait(this.state);

  /** Whether `set()` was called. Never reverts. */
  get isSet(): boolean {
    return this.state.set;
  }

  /**
   * Sets the flag and wakes every waiting task, in the order they started
   * waiting. Does not suspend and may be called from anywhere (a task, a
   * callback, plain code); calling it again does nothing. The waiters
   * become ready at once and run at later turns of the run queue, never on
   * the caller's stack. A waiter whose scope is cancelled before its turn
   * gets `Cancelled` (the flag stays set, so nothing is lost).
   */
  set(): void {
    const state = this.state;
    if (state.set) return;
    state.set = true;
    for (let waiter = state.waiters.shift(); waiter !== null; waiter = state.waiters.shift()) {
      waiter.wakeUp();
    }
  }

  /**
   * Waits until the flag is set.
   *
   * - Set already: returns without suspending (no schedule point, no turn,
   *   no promise), also during the eager first step of a task.
   * - Not set: suspends; a schedule point, and a cancellation point on
   *   resumption. A cancelled waiter leaves the event's queue at once.
   * - Inside an effectively cancelled scope: yields and throws `Cancelled`,
   *   even if the flag is set.
   */
  wait(): Operation<void> {
    return this.waitOperation;
  }

  /** Debugging information: how many tasks are waiting. */
  statistics(): EventStatistics {
    return { tasksWaiting: this.state.waiters.size };
  }
}
