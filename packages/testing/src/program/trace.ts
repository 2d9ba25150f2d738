import { Cancelled, NurseryError } from "@copse/core";
import { TimeoutError } from "@copse/timeout";
import { ProgramError, type Via } from "./ast.js";

/**
 * How the starts of a run are made: every `startSoon`/`startTask` of the
 * program forced lazy (`startSoon`), forced eager (`startTask`), or as the
 * program says (`mixed`). `start` statements are the same in every mode.
 */
export type StartsMode = "lazy" | "eager" | "mixed";

/** What happened to one task in a run. */
export interface TaskTrace {
  readonly id: string;
  /** How it was started in this run (`run` for the main task, `all`/`race` for a group's child). */
  readonly via: Via | "run" | "all" | "race";
  /**
   * How it ended: `ok "<value>"`, `error <error>`, `cancelled`, or
   * `unfinished` (it never ended: a hang). From the task handle when there
   * is one, else as the task's own code saw it.
   */
  outcome: string;
  /**
   * Everything the task did, in order: one entry per statement reached and
   * per block entered, left, caught or cleaned up. An entry made while
   * `currentTask()` was another task ends with `@<that task>`.
   */
  readonly log: string[];
  /** Virtual time at which it ended, `null` if it never did. */
  endTime: number | null;
  /**
   * How it ended as its own code saw it (same forms as `outcome`); differs
   * from `outcome` only if the runtime's bookkeeping is wrong.
   */
  ownOutcome: string;
  /** How many times its body began (1, or 0 if it never ran). */
  runs: number;
  /** Log entries made while `currentTask()` was not this task (X05). */
  readonly wrongCurrent: string[];
}

/** What happened to one scope, timeout, nursery or `all`/`race` group in a run. */
export interface ScopeTrace {
  readonly id: string;
  readonly kind: "scope" | "moveOnAfter" | "failAfter" | "nursery" | "all" | "race";
  /** The task whose code entered it. */
  readonly task: string;
  /**
   * The owner the runtime recorded for it (the task that entered it,
   * X06/X07); for a group, the current task when it was entered.
   */
  owner: string | null;
  /** `currentTask().name` as seen right inside it. */
  seenCurrent: string | null;
  enteredAt: number | null;
  /** The absolute deadline once entered (`Infinity` for none; `null` for a group). */
  deadline: number | null;
  exitedAt: number | null;
  cancelCalled: boolean;
  cancelledCaught: boolean;
  /**
   * How the block ended: `returned` (for a group, with its value:
   * `returned ["v2","v3"]`), or `threw <error>`; for a nursery or group
   * this is its error set (a `NurseryError` printed with its members
   * sorted).
   */
  result: string | null;
  /** Tasks started into this nursery or group that had not ended when it exited (must be none). */
  readonly outlived: string[];
}

/** What happened to one `finally` block in a run. */
export interface CleanupTrace {
  readonly id: string;
  readonly task: string;
  /** How many times it began (at most 1). */
  runs: number;
  /** For each run: `completed` or `threw <error>`. */
  readonly results: string[];
}

/** What happened to the promise of one `call` statement in a run. */
export interface CallTrace {
  readonly id: string;
  readonly task: string;
  /** Whether `fn` was called (not inside an already cancelled scope). */
  called: boolean;
  /** Whether the promise settled (it never does once abandoned). */
  settled: boolean;
  /** Whether the task stopped waiting before the promise settled (it was cancelled). */
  abandoned: boolean;
  /** Whether the signal given to `fn` aborted. */
  aborted: boolean;
}

/**
 * What happened to one of the program's shared objects (an event, lock,
 * semaphore or channel) in a run. The order of operations of different
 * tasks within one instant may differ between runs, so it is not here:
 * each task's log has its own operations, and the run's checks of the
 * primitive's promises are summed up in `violations`.
 */
export interface SharedTrace {
  readonly id: string;
  readonly kind: "event" | "lock" | "semaphore" | "channel";
  /**
   * Its state when the run ended: `set`/`unset`; `free` or `held by t3`;
   * `2 of 2 permits`; for a channel, the values left in it and which ends
   * are closed (`left ["d2"], send end closed`).
   */
  final: string;
  /**
   * What the primitive promises and this run broke: a lock held by two
   * tasks, a waiter served out of FIFO order, a waiter that gave up yet
   * holds the lock, a value lost or delivered twice, a lock still held at
   * the end. Empty on a correct runtime.
   */
  readonly violations: string[];
}

/**
 * Everything observable about one run of a program: the input of
 * {@link compareTraces} and {@link traceViolations}. Plain data; records are
 * keyed by the program's ids.
 */
export interface Trace {
  readonly starts: StartsMode;
  readonly tasks: Record<string, TaskTrace>;
  readonly scopes: Record<string, ScopeTrace>;
  readonly cleanups: Record<string, CleanupTrace>;
  readonly calls: Record<string, CallTrace>;
  /** The events, locks, semaphores and channels the run used, by id. */
  readonly shared: Record<string, SharedTrace>;
  /** Virtual time when the run ended. */
  finalTime: number;
  /** Children started (every `spawn` statement reached, every child of a group that began). */
  spawned: number;
  /** Whether the run stopped with tasks that could never finish. */
  hang: boolean;
  /** An error that escaped the runtime itself (not a task), if any. */
  crash: string | null;
}

/**
 * A canonical description of an error for traces: `Cancelled`,
 * `ProgramError(e3)`, `TimeoutError(<deadline>)`, `NurseryError[...]` with
 * its members described and sorted (groups compare as multisets), or
 * `Name(message)`.
 */
export function describeOutcomeError(error: unknown): string {
  if (error instanceof Cancelled) return "Cancelled";
  if (error instanceof NurseryError) {
    return `NurseryError[${error.errors.map(describeOutcomeError).sort().join(", ")}]`;
  }
  if (error instanceof ProgramError) return `ProgramError(${error.message})`;
  if (error instanceof TimeoutError) return `TimeoutError(${error.deadline})`;
  if (error instanceof Error) return `${error.name}(${error.message})`;
  return `thrown ${String(error)}`;
}
