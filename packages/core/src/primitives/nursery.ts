import { requireCurrent } from "../kernel/current.js";
import { describeValue } from "../kernel/describe.js";
import { startEagerly } from "../kernel/eager.js";
import { TaskGroup, closedError } from "../kernel/group.js";
import { CancelScope, enterScope, exitScope } from "../kernel/cancel-scope.js";
import type { Operation } from "../kernel/operation.js";
import type { Task } from "../kernel/task.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { startOperation } from "./start.js";

/** Options for starting a task. */
export interface StartOptions {
  /** The task's name (`task.name`, `currentTask().name`); set before its first step runs. */
  name?: string;
}

/**
 * A nursery: the scope that owns the tasks started in it. Obtained from
 * {@link nursery}. Every task started here is finished before `nursery`
 * returns.
 */
export interface Nursery {
  /**
   * Starts a task **lazily**: it is queued, and its first step runs at the
   * next turn of the run queue, in start order. `startSoon` returns before
   * the task does anything. A lazily started task always begins running,
   * even if the nursery was cancelled before its turn; it then gets
   * `Cancelled` at its first suspension (Trio's rule, which is what makes
   * the two start paths equivalent).
   */
  startSoon<T>(fn: () => Operation<T>, options?: StartOptions): Task<T>;
  /**
   * Starts a task **eagerly**: the new task becomes current and its first
   * step (up to its first suspension) runs now, before `startTask` returns.
   * If it finishes without suspending, the returned task is already `done`
   * and nothing was scheduled. If it throws, the task fails and the
   * nursery's scope is cancelled at once; `startTask` itself does not throw
   * (the error comes out of the nursery, and out of `yield* task`).
   *
   * Scopes, timeouts and nurseries opened during the eager step belong to
   * the new task, and `currentTask()` is the new task throughout it. What
   * may differ from `startSoon`: only the order of side effects between the
   * child's first step and the caller's code up to its next suspension, and
   * whether the task is `done` right after the call.
   *
   * Beyond {@link EAGER_DEPTH_LIMIT} nested eager steps on the stack, the
   * task is started lazily instead, so deep recursions of eager starts
   * cannot overflow the stack. Called from outside any task, it also starts
   * lazily.
   */
  startTask<T>(fn: () => Operation<T>, options?: StartOptions): Task<T>;
  /**
   * Trio's `nursery.start`: starts `fn` and waits until it calls
   * `started(value)`, then returns that value while the task keeps running
   * in this nursery. Until then the task runs under the caller (cancelling
   * the caller cancels it, and an error it throws comes out of `start`
   * itself, not out of the nursery). The first step runs eagerly.
   *
   * Errors: `started()` called twice throws in the child; a child that
   * returns without calling `started()` makes `start` throw.
   */
  start<T = undefined>(
    fn: (started: (value: T) => void) => Operation<unknown>,
    options?: StartOptions,
  ): Operation<T>;
  /** The nursery's cancel scope: cancelling it cancels the body and every child. */
  readonly cancelScope: CancelScope;
  /** Same as `cancelScope.cancel(reason)`. */
  cancel(reason?: unknown): void;
  /** The tasks running in the nursery right now (a snapshot). */
  readonly childTasks: readonly Task<unknown>[];
}

function checkFunction(fn: unknown, what: string): void {
  if (typeof fn !== "function") {
    throw new TypeError(
      `${what} expects a function that returns an operation, got ${describeValue(fn)}`,
    );
  }
}

function checkOptions(options: StartOptions | undefined, what: string): string | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${what} options must be an object, got ${describeValue(options)}`);
  }
  const name = options.name;
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`${what} options.name must be a string, got ${describeValue(name)}`);
  }
  return name;
}

/**
 * A nursery: a task group with a body, run by its owner inside the
 * nursery's cancel scope. It is its own operation (a bracket): one object
 * per nursery.
 *
 * @internal
 */
export class NurseryImpl extends TaskGroup implements Nursery {
  /**
   * The body until the nursery opens. Dropped then: a `function*` closure
   * holds its own prototype object and context, which a waiting nursery
   * would otherwise keep alive for nothing.
   */
  private body: ((n: Nursery) => Operation<unknown>) | null;

  constructor(body: (n: Nursery) => Operation<unknown>) {
    super(true);
    this.body = body;
  }

  get cancelScope(): CancelScope {
    return this.groupScope();
  }

  // ---- the bracket of `nursery(body)` -----------------------------------------

  protected override open(): Operation<unknown> {
    const owner = requireCurrent("nursery");
    const scope = new CancelScope();
    enterScope(owner, scope);
    this.owner = owner;
    this.scope = scope;
    const body = this.body!;
    this.body = null;
    return body(this);
  }

  protected override leaveScope(scope: CancelScope, error: unknown): unknown {
    return exitScope(this.owner, scope, error);
  }

  // ---- Nursery ---------------------------------------------------------------

  startSoon<T>(fn: () => Operation<T>, options?: StartOptions): Task<T> {
    checkFunction(fn, "startSoon");
    const task = this.spawn(fn, checkOptions(options, "startSoon"));
    task.scheduleFirst();
    return task;
  }

  startTask<T>(fn: () => Operation<T>, options?: StartOptions): Task<T> {
    checkFunction(fn, "startTask");
    const task = this.spawn(fn, checkOptions(options, "startTask"));
    startEagerly(task as TaskImpl<unknown>);
    return task;
  }

  start<T = undefined>(
    fn: (started: (value: T) => void) => Operation<unknown>,
    options?: StartOptions,
  ): Operation<T> {
    checkFunction(fn, "start");
    const name = checkOptions(options, "start");
    // Checked here and again when the operation runs: the nursery may close in between.
    if (!this.isOpen) throw closedError();
    return startOperation(this, fn, name);
  }

  cancel(reason?: unknown): void {
    this.cancelScope.cancel(reason);
  }

  get childTasks(): readonly Task<unknown>[] {
    const tasks: Task<unknown>[] = [];
    for (let t = this.firstChild; t !== null; t = t.nextSibling) tasks.push(t);
    return tasks;
  }
}

/**
 * Opens a nursery owned by the current task and runs `body` in it, inline.
 * When the body returns, the nursery waits for every child; it returns the
 * body's value (`undefined` only when the nursery's own scope was cancelled
 * and caught the body's `Cancelled`). A nursery stays open until it has
 * returned or thrown: children may start more children while it waits.
 *
 * If the body or any child fails, the nursery's scope is cancelled (every
 * sibling and the body get `Cancelled` at their next suspension), the
 * nursery waits for all of them, then throws a {@link NurseryError} holding
 * every failure. Cancellation that comes from an enclosing scope is not an
 * error: when it is all there is, the nursery throws one `Cancelled`, which
 * travels to the scope that was cancelled.
 *
 * Leaving a nursery is a schedule point but never a cancellation point: a
 * nursery with nothing to wait for still lets other ready tasks run.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { nursery, run } from "@copse/core";
 *
 * function* lookup(key: string) {
 *   return key.toUpperCase();
 * }
 * const pair = await run(() =>
 *   nursery(function* (n) {
 *     const a = n.startTask(() => lookup("a")); // eager: done already
 *     const b = n.startSoon(() => lookup("b")); // lazy: runs at the next turn
 *     assert.equal(a.done, true);
 *     return [yield* a, yield* b];
 *   }),
 * );
 * assert.deepEqual(pair, ["A", "B"]);
 * ```
 */
export function nursery<T>(body: (n: Nursery) => Operation<T>): Operation<T | undefined> {
  if (typeof body !== "function") {
    throw new TypeError(
      `nursery expects a function that returns an operation, got ${describeValue(body)}`,
    );
  }
  return new NurseryImpl(body as (n: Nursery) => Operation<unknown>) as Operation<T | undefined>;
}
