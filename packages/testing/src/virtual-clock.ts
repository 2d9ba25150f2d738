import type { Clock } from "@copse/core";

interface VirtualTimer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
}

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions {
  /** The time the clock starts at (default `0`). */
  start?: number;
  /** Jump to the next timer whenever every task is blocked (default `true`). */
  autojump?: boolean;
}

function checkMs(ms: unknown, what: string): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`${what} expects a finite, non-negative number of ms, got ${String(ms)}`);
  }
  return ms;
}

/**
 * A clock whose time moves only when told to — Trio's `MockClock`. Pass it
 * to `run(main, { clock })`.
 *
 * - `advance(ms)` moves time forward and fires, in order, every timer due on
 *   the way (each at its own time).
 * - `busy(ms)` moves time forward synchronously without letting anything
 *   else run: it models a CPU-bound step. Timers that became due fire at the
 *   runtime's next batch boundary.
 * - With `autojump` (the default), whenever every task is blocked and no
 *   `call`/`until` promise is pending, time jumps exactly to the earliest
 *   timer (Trio's `MockClock(autojump_threshold=0)`). A program that only
 *   sleeps therefore runs to the end synchronously, in no wall time — up to
 *   the runtime's fairness budget of 100 000 steps; a longer run continues
 *   from a macrotask (`await` the task). Under a virtual clock the budget
 *   counts steps, not wall time, so this does not depend on machine load.
 *
 * Use one VirtualClock per `run`.
 */
export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers: VirtualTimer[] = [];
  /** Whether time jumps to the next timer when every task is blocked. */
  autojump: boolean;

  constructor(options: VirtualClockOptions = {}) {
    const start = options.start ?? 0;
    if (typeof start !== "number" || !Number.isFinite(start)) {
      throw new RangeError(`VirtualClock start must be a finite number, got ${String(start)}`);
    }
    this.time = start;
    this.autojump = options.autojump ?? true;
  }

  now(): number {
    return this.time;
  }

  setTimer(at: number, fire: () => void): () => void {
    const timer: VirtualTimer = { at, seq: this.seq++, fire };
    const timers = this.timers;
    let i = timers.length;
    while (i > 0 && timers[i - 1]!.at > at) i--;
    timers.splice(i, 0, timer);
    return () => {
      const k = timers.indexOf(timer);
      if (k >= 0) timers.splice(k, 1);
    };
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  advance(ms: number): void {
    const target = this.time + checkMs(ms, "advance");
    for (
      let next = this.timers[0];
      next !== undefined && next.at <= target;
      next = this.timers[0]
    ) {
      this.timers.shift();
      if (next.at > this.time) this.time = next.at;
      next.fire();
    }
    if (target > this.time) this.time = target;
  }

  /** Moves time forward by `ms` without running anything: a CPU-bound step of that length. */
  busy(ms: number): void {
    this.time += checkMs(ms, "busy");
  }

  /** Number of timers set on this clock and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** @internal Called by the runtime when every task is blocked. */
  onIdle(): boolean {
    if (!this.autojump) return false;
    const next = this.timers.shift();
    if (next === undefined) return false;
    if (next.at > this.time) this.time = next.at;
    next.fire();
    return true;
  }
}
