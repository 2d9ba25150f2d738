import type { Instruction } from "./operation.js";
import type { TaskImpl } from "./task.js";

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

/**
 * The nesting bound of eager steps. `startTask` (and `all`, and the root
 * step of `run`) run a new task's first step on the caller's stack; beyond
 * this many nested eager steps they start the task lazily instead, so a
 * recursion of eager starts cannot overflow the stack. Each level costs a
 * few hundred bytes of stack; 200 levels leave ample room for user frames.
 */
export const EAGER_DEPTH_LIMIT = 200;

/** Registry shared by every copy of @copse/core loaded in this realm. @internal */
interface CopyRecord {
  readonly version: string;
  readonly running: () => boolean;
}

const REGISTRY = Symbol.for("copse.core.copies");
const registry: CopyRecord[] = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??=
  []) as CopyRecord[];
const self: CopyRecord = { version: "0.1.0", running: () => kernel.current !== null };
registry.push(self);

/**
 * The error for "no current task". When another copy of @copse/core is
 * stepping a task right now, it says so instead of pretending there is none.
 *
 * @internal
 */
export function noCurrentTaskError(what: string): Error {
  const other = registry.find((copy) => copy !== self && copy.running());
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
