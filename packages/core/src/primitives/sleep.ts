import { describeValue } from "../kernel/describe.js";
import { Instruction, SharedInstruction, type Operation } from "../kernel/operation.js";
import type { Blocker } from "../kernel/protocols.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { TimerEntry } from "../kernel/timer-heap.js";
import { CHECKPOINT } from "./checkpoint.js";

/** One task sleeping until a time: its timer in the runtime's heap, and what to abort on cancellation. */
class Sleeper extends TimerEntry implements Blocker {
  constructor(readonly task: TaskImpl<unknown>) {
    super();
  }

  fire(): void {
    this.task.wake(undefined, true);
  }

  abortWait(): void {
    this.task.runtime.removeTimer(this);
  }
}

class SleepUntil extends Instruction<void> {
  constructor(private readonly time: number) {
    super();
  }

  enter(task: TaskImpl<unknown>): void {
    const runtime = task.runtime;
    if (this.time <= runtime.now()) {
      task.wake(undefined, true);
      return;
    }
    const sleeper = new Sleeper(task);
    if (task.block(sleeper)) runtime.addTimer(sleeper, this.time);
  }
}

class SleepFor extends SharedInstruction<void> {
  constructor(readonly ms: number) {
    super();
  }

  enter(task: TaskImpl<unknown>): void {
    const runtime = task.runtime;
    const sleeper = new Sleeper(task);
    if (task.block(sleeper)) runtime.addTimer(sleeper, runtime.now() + this.ms);
  }
}

/** The last `sleep(ms)` operation made: instructions hold no state, so equal sleeps share one. */
let lastSleep: SleepFor | null = null;

function checkDuration(ms: unknown, what: string): number {
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new RangeError(
      `${what}: the duration must be a number (not NaN), got ${describeValue(ms)}`,
    );
  }
  if (ms < 0) throw new RangeError(`${what}: the duration must be non-negative, got ${ms}`);
  return ms;
}

/** @internal */
export { checkDuration };

/**
 * Suspends the current task for `ms` milliseconds of the runtime's clock.
 * `sleep(0)` is `checkpoint()`. A cancellation point: if the task's scope is
 * cancelled while it sleeps, it wakes at once with `Cancelled`.
 *
 * @throws RangeError for a negative duration or `NaN` (before anything runs).
 */
export function sleep(ms: number): Operation<void> {
  checkDuration(ms, "sleep");
  if (ms === 0) return CHECKPOINT;
  if (lastSleep === null || lastSleep.ms !== ms) lastSleep = new SleepFor(ms);
  return lastSleep;
}

/**
 * Suspends the current task until the runtime's clock reaches `time`. A
 * time in the past acts like `checkpoint()`.
 *
 * @throws RangeError for `NaN`.
 */
export function sleepUntil(time: number): Operation<void> {
  if (typeof time !== "number" || Number.isNaN(time)) {
    throw new RangeError(
      `sleepUntil: the time must be a number (not NaN), got ${describeValue(time)}`,
    );
  }
  return new SleepUntil(time);
}
