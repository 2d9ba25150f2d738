import type { Operation } from "./operation.js";

/**
 * How a task ended: with a value, with an error, or cancelled.
 */
export type Outcome<T> =
  | {
      /** The task returned. */
      readonly status: "ok";
      /** What it returned. */
      readonly value: T;
    }
  | {
      /** The task threw an error other than its own cancellation. */
      readonly status: "error";
      /** What it threw, the same object. */
      readonly error: unknown;
    }
  | {
      /** The task ended with a `Cancelled` that was meant for it. */
      readonly status: "cancelled";
      /** The reason given to `cancel(reason)`, if any. */
      readonly reason?: unknown;
    };

/**
 * A running or finished task: a handle to join, inspect or cancel it.
 *
 * - `yield* task` (in an operation) or `await task` (in async code) waits for
 *   it and returns its value or throws its error; if it ended cancelled,
 *   joining throws {@link Cancelled}. Joining a task that is already done does
 *   not suspend (no schedule point, no cancellation point).
 * - `cancel(reason?)` cancels this task only: its `Cancelled` adds nothing to
 *   its nursery's errors and cancels no sibling. It has no effect once the
 *   task is done (a task that finished during an eager first step stays
 *   finished with its value).
 */
export interface Task<T> extends Operation<T>, PromiseLike<T> {
  /** Cancels this task only; no effect once it is done. */
  cancel(reason?: unknown): void;
  /** Whether the task has finished (with any outcome). */
  readonly done: boolean;
  /** How the task ended, or `undefined` while it runs. */
  readonly outcome: Outcome<T> | undefined;
  /** The name given in the start options, or the function's name, or `task-<id>`. */
  readonly name: string;
}
