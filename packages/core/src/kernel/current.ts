import { otherRunningCopy, registerCopy } from "./copies.js";
import type { Instruction } from "./operation.js";
import type { TaskImpl } from "./task-impl.js";

/**
 * The few pieces of global state the driver needs, in one object so every
 * module reads and writes the same slots.
 *
 * @internal
 */
export const kernel = {
  /** The task being stepped right now, or null outside any step. */
  current: null as TaskImpl<unknown> | null,
  /** The instruction the driver is resuming (see `Instruction.next`). */
  resuming: null as Instruction | null,
  /** The instruction that last yielded itself, to tell `yield*` from `yield`. */
  yielded: null as Instruction | null,
  /** How many eager steps are nested on the call stack right now. */
  eagerDepth: 0,
};

registerCopy(() => kernel.current !== null);

/**
 * The error for "no current task". When another copy of @copse/core is
 * stepping a task right now, it says so instead of pretending there is none.
 *
 * @internal
 */
export function noCurrentTaskError(what: string): Error {
  const other = otherRunningCopy();
  if (other !== undefined) {
    return new Error(
      `${what} was called while a task of another copy of @copse/core (${other.version}) is running; ` +
        "two copies cannot share the current task: dedupe @copse/core so that one copy is installed",
    );
  }
  return new Error(`${what} must be called from inside a copse task (no task is running)`);
}

/** The current task, or a clear error. @internal */
export function requireCurrent(what: string): TaskImpl<unknown> {
  const task = kernel.current;
  if (task === null) throw noCurrentTaskError(what);
  return task;
}
