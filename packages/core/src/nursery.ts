import { CancelScope, NONE, rebaseTask } from "./cancel-scope.js";
import {
  Cancelled,
  NurseryError,
  describeError,
  describeValue,
  type CancelReason,
} from "./errors.js";
import { EAGER_DEPTH_LIMIT, kernel, requireCurrent } from "./kernel.js";
import { Frame } from "./frame.js";
import { Instruction, type Operation } from "./operation.js";
import { NEXT, TaskImpl, type ChildHolder, type Task } from "./task.js";

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

function closedError(): Error {
  return new Error(
    "Nursery is closed to new arrivals: it has finished; start the task in a nursery that is still open (an enclosing one)",
  );
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

/** Runs a new task's first step now, unless that would nest too deep or there is no running task. @internal */
export function startEagerly(task: TaskImpl<unknown>): void {
  const k = kernel;
  if (k.current === null || k.eagerDepth >= EAGER_DEPTH_LIMIT) {
    task.scheduleFirst();
    return;
  }
  k.eagerDepth++;
  try {
    task.stepFirst();
  } finally {
    k.eagerDepth--;
  }
}

/**
 * The kernel of a nursery, shared by `nursery`, `all` and `race`: a cancel
 * scope entered by the owner, the list of running children, and the
 * failures in the order they happened.
 *
 * @internal
 */
export class NurseryImpl extends Frame<unknown> implements Nursery, ChildHolder {
  owner!: TaskImpl<unknown>;
  /**
   * The nursery's scope. A `nursery` creates it at once (its owner runs the
   * body inside it); the group of `all`/`race` creates it only when it must
   * cancel its children (see `cancelScope`) — until then they run in `outer`.
   */
  private scope: CancelScope | null = null;
  /** The scope the children start in while the group has no scope of its own. */
  private outer: CancelScope | null = null;
  firstChild: TaskImpl<unknown> | null = null;
  childCount = 0;
  pendingStarts = 0;
  ownerWaiting = false;
  isOpen = true;
  errors: unknown[] | null = null;

  /**
   * `body`: the nursery's body (run by the frame, see `nursery`); `null`
   * for the group of `all`/`race`, which `join`s an owner directly.
   */
  constructor(
    private readonly body: ((n: Nursery) => Operation<unknown>) | null,
    readonly exitIsSchedulePoint: boolean,
  ) {
    super();
  }

  /** Makes `owner` the owner of this group (`all`/`race`); its children start in its current scope. */
  join(owner: TaskImpl<unknown>): this {
    this.owner = owner;
    this.outer = owner.scope;
    return this;
  }

  get cancelScope(): CancelScope {
    let scope = this.scope;
    if (scope === null) {
      // A group's scope, on first need: slide it in between the owner's
      // scope and the children, which are moved under it.
      scope = this.scope = CancelScope._under(this.outer!, this.owner);
      for (let t = this.firstChild; t !== null; t = t.nextSibling) rebaseTask(t, scope);
    }
    return scope;
  }

  // ---- the frame of `nursery(body)` -----------------------------------------

  protected open(): Operation<unknown> {
    const owner = requireCurrent("nursery");
    const scope = new CancelScope();
    scope._enter(owner);
    this.owner = owner;
    this.scope = scope;
    return this.body!(this);
  }

  protected afterBody(ok: boolean, result: unknown): boolean {
    if (!ok) this.bodyFailed(result);
    return true;
  }

  /** Waits, at the end of the body, for the children (not a cancellation point). */
  enter(owner: TaskImpl<unknown>): void {
    if (this.childCount === 0 && this.pendingStarts === 0) {
      // Nothing to wait for: a nursery's exit is still a schedule point
      // (docs/cases.md L06), but `all`/`race` complete without suspending.
      if (this.exitIsSchedulePoint) owner.wake(NEXT, undefined, false);
      else owner.resumeSync(NEXT, undefined);
      return;
    }
    this.ownerWaiting = true;
    owner.blockUninterruptibly();
  }

  protected close(ok: boolean, result: unknown): unknown {
    const rest = this.finishGroup();
    if (rest !== NONE) throw rest;
    return ok ? result : undefined;
  }

  // ---- Nursery ---------------------------------------------------------------

  startSoon<T>(fn: () => Operation<T>, options?: StartOptions): Task<T> {
    const task = this.spawn(fn, options, "startSoon");
    task.scheduleFirst();
    return task;
  }

  startTask<T>(fn: () => Operation<T>, options?: StartOptions): Task<T> {
    const task = this.spawn(fn, options, "startTask");
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

  /** Creates a task attached to this nursery (children list and scope) before it runs. */
  spawn<T>(
    fn: (() => Operation<T>) | Operation<T>,
    options: StartOptions | undefined,
    what: string,
  ): TaskImpl<T> {
    if (what !== "") checkFunction(fn, what);
    const name = checkOptions(options, what);
    if (!this.isOpen) throw closedError();
    const scope = this.scope ?? this.outer!;
    const task = new TaskImpl<T>(this, scope, fn, name);
    this.adopt(task as TaskImpl<unknown>);
    return task;
  }

  /** Links a task into the children list. */
  adopt(task: TaskImpl<unknown>): void {
    task.nursery = this;
    const first = this.firstChild;
    task.prevSibling = null;
    task.nextSibling = first;
    if (first !== null) first.prevSibling = task;
    this.firstChild = task;
    this.childCount++;
  }

  childFinished(task: TaskImpl<unknown>, absorbed: boolean): void {
    const prev = task.prevSibling;
    const next = task.nextSibling;
    if (prev !== null) prev.nextSibling = next;
    else this.firstChild = next;
    if (next !== null) next.prevSibling = prev;
    task.prevSibling = task.nextSibling = null;
    this.childCount--;
    this.recordEnd(task, absorbed);
    this.settled();
  }

  /** Records how a child ended: a failure (or a `Cancelled` its own scope did not absorb) cancels the nursery. */
  recordEnd(task: TaskImpl<unknown>, absorbed: boolean): void {
    if (!task.succeeded && !absorbed) {
      const error = task.rawResult;
      this.addError(error, {
        source: "nursery",
        reason: `child task raised exception ${describeError(error)}`,
        sourceTask: task.name,
      });
    }
  }

  /** Takes in a task that started in the owner's scope (see `all`), before the group had a scope. */
  adoptStarted(task: TaskImpl<unknown>): void {
    this.adopt(task);
    if (this.scope !== null) rebaseTask(task, this.scope);
  }

  /** Wakes the owner once nothing is left to wait for. */
  settled(): void {
    if (this.ownerWaiting && this.childCount === 0 && this.pendingStarts === 0) {
      this.ownerWaiting = false;
      this.owner.wake(NEXT, undefined, false);
    }
  }

  /** Records a failure and cancels the nursery's scope (every sibling and the body). */
  addError(error: unknown, reason: CancelReason): void {
    (this.errors ??= []).push(error);
    this.cancelScope._cancel(reason);
  }

  /** Records the body's failure. */
  bodyFailed(error: unknown): void {
    this.addError(error, {
      source: "nursery",
      reason: `code block inside nursery raised exception ${describeError(error)}`,
      sourceTask: this.owner.name,
    });
  }

  /**
   * Closes the nursery and leaves its scope. Returns what to throw
   * (`NONE` for nothing): cancellation that came from an enclosing scope
   * alone gives one `Cancelled`; anything else is a `NurseryError` of every
   * failure, from which the nursery's own scope strips its `Cancelled`s.
   */
  finishGroup(): unknown {
    this.isOpen = false;
    const errors = this.errors;
    this.errors = null;
    let error: unknown = NONE;
    if (errors !== null) {
      error = errors.every((e) => e instanceof Cancelled)
        ? errors[errors.length - 1]
        : new NurseryError(errors);
    }
    const scope = this.scope;
    if (scope === null) return error; // a group that never cancelled: nothing to absorb
    return this.body === null ? scope._leave(error) : scope._exit(this.owner, error);
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
  // The nursery is its own operation (a frame): one object per nursery.
  return new NurseryImpl(body as (n: Nursery) => Operation<unknown>, true) as Operation<
    T | undefined
  >;
}

/** The state of one `start` call: the child until it calls `started`, and the caller's wait. */
class Starter<T> extends Instruction implements ChildHolder {
  value: T | undefined = undefined;
  called = false;
  moved = false;
  finished = false;
  waiting = false;
  child: TaskImpl<unknown> | null = null;
  readonly started = (value: T): void => this.onStarted(value);

  constructor(
    private readonly target: NurseryImpl,
    private readonly privateScope: CancelScope,
    private readonly caller: TaskImpl<unknown>,
  ) {
    super();
  }

  private onStarted(value: T): void {
    if (this.called) {
      throw new Error(
        "started() was called twice for the same task; call it once, when the task is ready",
      );
    }
    this.called = true;
    this.value = value;
    // Trio: if the caller's side is cancelled, stay put; the child will get
    // `Cancelled` there and `start` reports it.
    if (this.privateScope._effectivelyCancelled || this.finished) return;
    const child = this.child!;
    this.moved = true;
    this.target.adopt(child);
    rebaseTask(child, this.target.cancelScope);
    this.wakeCaller();
  }

  childFinished(): void {
    this.finished = true;
    this.wakeCaller();
  }

  private wakeCaller(): void {
    if (this.waiting) {
      this.waiting = false;
      this.caller.wake(NEXT, undefined, false);
    }
  }

  /** The caller's wait: until the child is moved or finished (not a cancellation point). */
  enter(caller: TaskImpl<unknown>): void {
    if (this.moved || this.finished) {
      caller.resumeSync(NEXT, undefined);
      return;
    }
    this.waiting = true;
    caller.blockUninterruptibly();
  }
}

function* startOperation<T>(
  target: NurseryImpl,
  fn: (started: (value: T) => void) => Operation<unknown>,
  name: string | undefined,
): Generator<unknown, T> {
  const caller = requireCurrent("Nursery.start");
  if (!target.isOpen) throw closedError();
  const scope = new CancelScope();
  scope._enter(caller);
  const starter = new Starter<T>(target, scope, caller);
  const child = new TaskImpl<unknown>(
    starter,
    scope,
    () => fn(starter.started),
    name ?? (fn.name || undefined),
  );
  starter.child = child;
  target.pendingStarts++;
  let error: unknown = NONE;
  try {
    startEagerly(child);
    yield* starter;
  } finally {
    target.pendingStarts--;
    target.settled();
  }
  if (!starter.moved) {
    if (child.succeeded) {
      if (!starter.called) {
        error = new Error(
          `the task ${child.name} given to start() returned without calling started(); call started(value) once it is ready`,
        );
      }
    } else {
      error = child.rawResult;
    }
  }
  const rest = scope._exit(caller, error);
  if (rest !== NONE) throw rest;
  return starter.value as T;
}
