/**
 * The machinery shared by schedule exploration and the cancellation-safety
 * kit: a run on a VirtualClock whose every turn (and every choice between
 * timers due at the same instant) goes through hooks, plus a way to tell
 * whether a run that did not finish inside `run()` is still making progress.
 *
 * @internal
 */
import { currentTask, type Operation, type Task } from "@copse/core";
import {
  abandonRun,
  runWith,
  runtimeStats,
  type SchedulePolicy,
  type TaskImpl,
} from "@copse/core/internal";
import type { VirtualClock } from "../virtual-clock.js";

/** The runtime behind a task (not exported by core; reached through the task). */
export type RuntimeOf = TaskImpl<unknown>["runtime"];

/** What a controlled run asks its owner at each choice point. */
export interface TurnHooks {
  /**
   * Called before every step the runtime takes from its run queue, with the
   * 1-based turn number and how many tasks are ready; returns the index (in
   * FIFO order) of the one to run. May cancel scopes (which can make more
   * tasks ready; they are appended after the `count` already there).
   */
  onTurn(turn: number, count: number): number;
  /** Which of `count` timers due at the same instant fires next (FIFO: 0). */
  onTimers(count: number): number;
}

/** A run on a virtual clock with hooks on every turn. */
export class ControlledRun {
  runtime: RuntimeOf | null = null;
  turn = 0;

  constructor(
    readonly clock: VirtualClock,
    private readonly hooks: TurnHooks,
  ) {}

  /** The ready tasks the runtime passed with the current choice. */
  private ready: readonly Task<unknown>[] | undefined = undefined;
  /**
   * Set (from a hook) to give up on the run: the runtime is abandoned as
   * soon as the hook returns, and {@link settle} reports it.
   */
  abandonRequested = false;

  /** The schedule policy to hand to `runWith`. */
  readonly policy: SchedulePolicy = {
    pickReady: (count: number, ready: readonly Task<unknown>[]): number => {
      this.turn++;
      this.ready = ready;
      try {
        const pick = this.hooks.onTurn(this.turn, count);
        // Give up at once: the runtime stops before the task it would step.
        if (this.abandonRequested) this.runtime?.abandon();
        return pick;
      } finally {
        this.ready = undefined;
      }
    },
    pickTimer: (count: number): number => this.hooks.onTimers(count),
  };

  /**
   * The names of the ready tasks, in FIFO order (valid inside `onTurn`).
   */
  readyNames(): string[] {
    return this.ready === undefined ? [] : this.ready.map((task) => task.name);
  }

  /**
   * Starts `body` as the root task of a runtime with this run's clock and
   * hooks. Without `hooked`, no policy is installed: the runtime schedules
   * exactly as `run` does (the hooks are never called).
   */
  start<T>(body: () => Operation<T>, name = "main", hooked = true): Task<T> {
    return runWith(
      () => captureRuntime(this, body),
      hooked ? { clock: this.clock, policy: this.policy, name } : { clock: this.clock, name },
    );
  }
}

function* captureRuntime<T>(ctl: ControlledRun, body: () => Operation<T>): Generator<unknown, T> {
  ctl.runtime = (currentTask() as TaskImpl<unknown>).runtime;
  return yield* body();
}

/** How a run that was awaited ended. */
export type Settled = "done" | "deadlock" | "stalled" | "abandoned";

const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Waits for `task` to finish. Returns `"deadlock"` as soon as nothing can
 * ever happen again (no ready task, no `call`/`until` promise pending, and
 * no timer the clock would jump to), `"stalled"` when the run made no
 * progress (no turn, no time) over `patience` macrotasks while a promise
 * was pending, and `"abandoned"` when a hook asked to give up on it. A run
 * that is stalled or given up on is abandoned (`abandonRun`): none of its
 * tasks runs again.
 */
export async function settle(
  task: Task<unknown>,
  ctl: ControlledRun,
  patience = 200,
): Promise<Settled> {
  let lastTurns = -1;
  let lastTime = Number.NaN;
  let quiet = 0;
  while (!task.done) {
    if (ctl.abandonRequested) {
      abandonRun(task);
      return "abandoned";
    }
    const rt = ctl.runtime;
    if (
      rt !== null &&
      rt.queue.length === 0 &&
      rt.pendingPromises === 0 &&
      rt.idleWaiters.length === 0 &&
      (rt.timers.size === 0 || !ctl.clock.autojump)
    ) {
      return "deadlock";
    }
    await macrotask();
    const turns = runtimeStats(task).turns;
    const time = ctl.clock.now();
    if (turns === lastTurns && time === lastTime) {
      if (++quiet >= patience) {
        abandonRun(task);
        return "stalled";
      }
    } else {
      quiet = 0;
      lastTurns = turns;
      lastTime = time;
    }
  }
  return "done";
}

/** A short description of a value, for reports. */
export function describe(value: unknown): string {
  if (value instanceof Error) {
    return value.message === "" ? value.name : `${value.name}: ${value.message}`;
  }
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 80 ? value.slice(0, 77) + "..." : value);
    case "undefined":
      return "undefined";
    case "function":
      return value.name === "" ? "a function" : `function ${value.name}`;
    case "object": {
      if (value === null) return "null";
      try {
        const text = JSON.stringify(value);
        if (text !== undefined) return text.length > 80 ? text.slice(0, 77) + "..." : text;
      } catch {
        // fall through
      }
      const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
      return ctor === undefined || ctor === "" ? "an object" : `a ${ctor}`;
    }
    default:
      return String(value);
  }
}
