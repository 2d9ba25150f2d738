// Test-only helpers for @copse/timeout: runs on a virtual clock, the two
// start paths, and a clock wrapper that counts what the runtime asks of it.
import {
  run,
  type Clock,
  type Nursery,
  type Operation,
  type Outcome,
  type Task,
} from "@copse/core";
import { VirtualClock, type VirtualClockOptions } from "@copse/testing";
import { expect } from "vitest";

/** How a child is started: eagerly (`startTask`) or lazily (`startSoon`). */
export type StartPath = "startTask" | "startSoon";

/** Both start paths, for `it.each`: every such test asserts one outcome for both. */
export const PATHS: readonly StartPath[] = ["startTask", "startSoon"];

/** Starts `fn` in `n` on the given path. */
export function start<T>(n: Nursery, path: StartPath, fn: () => Operation<T>): Task<T> {
  return path === "startTask" ? n.startTask(fn) : n.startSoon(fn);
}

/**
 * Runs `body` on a fresh VirtualClock (autojump on) and returns the task
 * as `run` left it: programs that only sleep and wait on copse primitives
 * have usually finished; one waiting on a `call` promise has not.
 */
export function runVirtual<T>(
  body: (clock: VirtualClock) => Operation<T>,
  options?: VirtualClockOptions,
): { task: Task<T>; clock: VirtualClock } {
  const clock = new VirtualClock(options);
  const task = run(() => body(clock), { clock });
  return { task, clock };
}

/**
 * Runs `body` on a VirtualClock and returns its outcome once it finished.
 * Small programs finish inside `run()`; a bigger one may be continued from
 * a `setTimeout(0)` when the runtime's drain spends its wall-clock budget
 * (its fairness rule), which a loaded machine can make happen anywhere —
 * the outcome and every virtual time are the same either way.
 */
export async function outcomeOf<T>(
  body: (clock: VirtualClock) => Operation<T>,
  options?: VirtualClockOptions,
): Promise<{ outcome: Outcome<T>; clock: VirtualClock }> {
  const { task, clock } = runVirtual(body, options);
  if (!task.done) await Promise.resolve(task).then(ignore, ignore);
  return { outcome: task.outcome!, clock };
}

function ignore(): void {}

/** The error of an outcome that must be an error. */
export function errorOf(outcome: Outcome<unknown>): unknown {
  expect(outcome.status).toBe("error");
  return (outcome as { error: unknown }).error;
}

/**
 * A Clock in front of a VirtualClock that counts `setTimer` calls and how
 * many of its timers are armed at once, to show that the runtime keeps its
 * own heap and asks the clock for its earliest timer only.
 */
export class CountingClock implements Clock {
  /** Calls of `setTimer`. */
  setTimerCalls = 0;
  /** Timers set and neither fired nor cancelled. */
  armed = 0;
  /** The largest value `armed` ever had. */
  maxArmed = 0;

  constructor(readonly inner: VirtualClock = new VirtualClock()) {}

  now(): number {
    return this.inner.now();
  }

  setTimer(at: number, fire: () => void): () => void {
    this.setTimerCalls++;
    this.armed++;
    if (this.armed > this.maxArmed) this.maxArmed = this.armed;
    let live = true;
    const settle = (): void => {
      if (live) {
        live = false;
        this.armed--;
      }
    };
    const cancel = this.inner.setTimer(at, () => {
      settle();
      fire();
    });
    return () => {
      settle();
      cancel();
    };
  }

  // The VirtualClock's autojump, passed through.
  onIdle(): boolean {
    return this.inner.onIdle();
  }
}
