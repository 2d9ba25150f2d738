import { cancelTask, detachTask, linkTask, unlinkTask, type CancelScope } from "./cancel-scope.js";
import { Cancelled } from "./errors.js";
import { kernel } from "./kernel.js";
import { Instruction, plainYieldError, toIterator, type Operation } from "./operation.js";
import type { Runtime } from "./runtime.js";

/**
 * How a task ended: with a value, with an error, or cancelled.
 */
export type Outcome<T> =
  | { readonly status: "ok"; readonly value: T }
  | { readonly status: "error"; readonly error: unknown }
  | { readonly status: "cancelled"; readonly reason?: unknown };

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

/** What a task reports its end to: a nursery, or a `start` call that has not moved it yet. @internal */
export interface ChildHolder {
  childFinished(task: TaskImpl<unknown>, absorbed: boolean): void;
}

/** Something a suspended task can be taken off when it is cancelled. @internal */
export interface Blocker {
  /** Unregisters `task` from whatever would have resumed it. */
  abortWait(task: TaskImpl<unknown>): void;
}

// Driver states.
const CREATED = 0;
const RUNNING = 1;
const ENTERING = 2;
const READY = 3;
const SUSPENDED = 4;
const DONE = 5;

// Resume modes.
/** @internal */ export const NEXT = 0;
/** @internal */ export const THROW = 1;

// Outcome kinds.
const PENDING = 0;
const OK = 1;
const ERROR = 2;
const CANCELLED = 3;

let nextTaskId = 1;

/**
 * What only some tasks need (joiners, a promise for `await`), kept out of
 * the task object so that the common task — started, finished, never
 * awaited — stays small.
 */
class Waiters {
  joiners: TaskImpl<unknown>[] = [];
  promise: Promise<unknown> | null = null;
  resolve: ((value: unknown) => void) | null = null;
  reject: ((error: unknown) => void) | null = null;
  joinOp: JoinInstruction<unknown> | null = null;
}

/**
 * A task and its driver. The driver steps the task's iterator: each value
 * the task yields must be an {@link Instruction} (checked: a plain `yield`
 * is turned into a `TypeError` thrown back at that `yield`); the
 * instruction either suspends the task or resumes it synchronously, and the
 * loop goes on without growing the stack.
 *
 * Invariants, enforced here and in `nursery.ts`:
 * - a task is attached to its nursery and its cancel scope before its first
 *   step runs, so a cancellation issued during an eager first step reaches
 *   it (SEMANTICS X10, X14);
 * - every resumption from a suspension is a cancellation point: a task
 *   resumed inside an effectively cancelled scope gets `Cancelled` instead
 *   of what it waited for; the first step of a task and synchronous
 *   completions are not;
 * - completion bookkeeping runs exactly once, in `finish`.
 *
 * @internal
 */
export class TaskImpl<T> implements Task<T>, Blocker {
  /** What the first step runs: a function returning an operation, or an operation. */
  private fn: (() => Operation<T>) | Operation<T> | null;
  private iter: Iterator<unknown, T, unknown> | null = null;
  private givenName: string | undefined;
  private state = CREATED;
  private mode = NEXT;
  private value: unknown = undefined;
  private cancelPoint = false;
  /** The instruction the task is suspended on, handed back to it on resumption. */
  private instruction: Instruction | null = null;
  /** What to unregister from when a cancellation aborts the current wait; null when not abortable. */
  blockedOn: Blocker | null = null;

  /** The innermost cancel scope the task is in right now. */
  scope: CancelScope;
  /** The scope the task's outermost frames run in: its handle scope, or its nursery's scope. */
  base: CancelScope;
  /** The task's own outermost entered scope (a child of `base`), if any. */
  outermost: CancelScope | null = null;
  /** The scope that `cancel()` created, between `base`'s parent and the task. */
  handle: CancelScope | null = null;
  /** Whether the task is in `scope`'s list of blocked tasks; and its links there. */
  listed = false;
  prevInScope: TaskImpl<unknown> | null = null;
  nextInScope: TaskImpl<unknown> | null = null;

  nursery: ChildHolder | null;
  /** Links in the nursery's list of children. */
  prevSibling: TaskImpl<unknown> | null = null;
  nextSibling: TaskImpl<unknown> | null = null;

  private kind = PENDING;
  private result: unknown = undefined;
  private waiters: Waiters | null = null;

  constructor(
    readonly runtime: Runtime,
    nursery: ChildHolder | null,
    scope: CancelScope,
    fn: (() => Operation<T>) | Operation<T>,
    name: string | undefined,
  ) {
    this.nursery = nursery;
    this.scope = scope;
    this.base = scope;
    this.fn = fn;
    this.givenName = name;
  }

  get name(): string {
    if (this.givenName === undefined) {
      const fn = this.fn;
      const fnName = typeof fn === "function" ? fn.name : "";
      this.givenName = fnName !== "" ? fnName : `task-${nextTaskId++}`;
    }
    return this.givenName;
  }

  get done(): boolean {
    return this.state === DONE;
  }

  get outcome(): Outcome<T> | undefined {
    switch (this.kind) {
      case OK:
        return { status: "ok", value: this.result as T };
      case ERROR:
        return { status: "error", error: this.result };
      case CANCELLED:
        return { status: "cancelled", reason: (this.result as Cancelled).reason };
      default:
        return undefined;
    }
  }

  /** Whether this task ended with `Cancelled` (for joins and `start`). @internal */
  get cancelled(): boolean {
    return this.kind === CANCELLED;
  }

  /** The value, error or `Cancelled` the task ended with. @internal */
  get rawResult(): unknown {
    return this.result;
  }

  /** Whether the task ended with a value. @internal */
  get succeeded(): boolean {
    return this.kind === OK;
  }

  /** Whether the task is suspended on an abortable wait. @internal */
  get blocked(): boolean {
    return this.state === SUSPENDED && this.blockedOn !== null;
  }

  cancel(reason?: unknown): void {
    if (this.state === DONE) return;
    cancelTask(this, reason);
  }

  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    const waiters = (this.waiters ??= new Waiters());
    return (waiters.joinOp ??= new JoinInstruction(
      this as TaskImpl<unknown>,
    )) as JoinInstruction<T>;
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const waiters = (this.waiters ??= new Waiters());
    if (waiters.promise === null) {
      this.runtime.stats.promises++;
      if (this.kind === OK) waiters.promise = Promise.resolve(this.result);
      else if (this.kind !== PENDING) waiters.promise = Promise.reject(this.result);
      else {
        waiters.promise = new Promise((resolve, reject) => {
          waiters.resolve = resolve;
          waiters.reject = reject;
        });
      }
    }
    return (waiters.promise as Promise<T>).then(onfulfilled, onrejected);
  }

  toString(): string {
    return `Task(${this.name})`;
  }

  // ---- driver -------------------------------------------------------------

  /** Runs the first step now, on the caller's stack (eager start, `run`). */
  stepFirst(): void {
    this.step(NEXT, undefined);
  }

  /** Queues the first step (lazy start); it runs even if the task is cancelled by then. */
  scheduleFirst(): void {
    this.state = READY;
    this.cancelPoint = false;
    this.runtime.enqueue(this);
  }

  /**
   * Resumes the task later, from the run queue. With `drainNow` (a wake-up
   * from a promise callback, already in a microtask) the runtime drains at
   * once instead of queueing a microtask.
   */
  wake(mode: number, value: unknown, cancelPoint: boolean, drainNow = false): void {
    this.state = READY;
    this.mode = mode;
    this.value = value;
    this.cancelPoint = cancelPoint;
    this.blockedOn = null;
    if (this.listed) unlinkTask(this);
    if (drainNow) this.runtime.enqueueAndDrain(this);
    else this.runtime.enqueue(this);
  }

  /**
   * Resumes the task without suspending it: valid only while an instruction
   * is entering (a resume that fires during its own setup), or for the
   * task that is running. The driver loop picks the value up; nothing is
   * queued and the stack does not grow.
   */
  resumeSync(mode: number, value: unknown): void {
    this.state = RUNNING;
    this.mode = mode;
    this.value = value;
  }

  /** Whether the instruction that is entering may still resume the task synchronously. */
  get entering(): boolean {
    return this.state === ENTERING;
  }

  /**
   * Suspends the task on an abortable wait, unless it is already inside an
   * effectively cancelled scope: then it only yields (a schedule point) and
   * gets `Cancelled` when it resumes. Returns whether it really blocked.
   */
  block(on: Blocker): boolean {
    if (this.scope._effectivelyCancelled) {
      this.wake(NEXT, undefined, true);
      return false;
    }
    this.state = SUSPENDED;
    this.blockedOn = on;
    linkTask(this);
    return true;
  }

  /** Suspends the task on a wait that cancellation does not interrupt (a nursery's exit). */
  blockUninterruptibly(): void {
    this.state = SUSPENDED;
    this.blockedOn = null;
  }

  /** Takes the task off its wait and resumes it with `Cancelled` (level-triggered delivery). */
  deliverCancel(): void {
    const on = this.blockedOn;
    if (this.state !== SUSPENDED || on === null) return;
    this.blockedOn = null;
    on.abortWait(this);
    this.wake(THROW, this.scope._makeCancelled(), false);
  }

  /** Called by the runtime for a task taken from the run queue. */
  resumeFromQueue(): void {
    let mode = this.mode;
    let value = this.value;
    this.value = undefined;
    if (this.cancelPoint && this.scope._effectivelyCancelled) {
      mode = THROW;
      value = this.scope._makeCancelled();
    }
    this.step(mode, value);
  }

  wakeFromIdle(): void {
    this.wake(NEXT, undefined, true);
  }

  private step(mode: number, value: unknown): void {
    const k = kernel;
    const previous = k.current;
    k.current = this;
    this.state = RUNNING;
    try {
      for (;;) {
        let r: IteratorResult<unknown, T>;
        try {
          const iter = this.iter;
          if (iter === null) {
            const fn = this.fn!;
            this.iter =
              typeof fn === "function"
                ? toIterator(fn(), "the function given to start a task")
                : toIterator(fn, "a task");
            r = this.iter.next();
          } else if (mode === NEXT) {
            k.resuming = this.instruction;
            r = iter.next(value);
          } else {
            k.resuming = null;
            if (typeof iter.throw !== "function") throw value;
            r = iter.throw(value);
          }
        } catch (error) {
          k.resuming = null;
          k.yielded = null;
          this.finish(ERROR, error);
          return;
        }
        k.resuming = null;
        this.instruction = null;
        if (r.done === true) {
          this.finish(OK, r.value);
          return;
        }
        const yielded = r.value;
        if (yielded !== k.yielded || yielded === null) {
          k.yielded = null;
          mode = THROW;
          value = plainYieldError(yielded);
          continue;
        }
        k.yielded = null;
        const instruction = yielded as Instruction;
        this.instruction = instruction;
        this.state = ENTERING;
        try {
          instruction.enter(this);
        } catch (error) {
          // A primitive refused (bad input found late): throw it at the `yield*`.
          if (this.state === ENTERING || this.state === RUNNING) {
            this.state = RUNNING;
            this.instruction = null;
            mode = THROW;
            value = error;
            continue;
          }
          throw error;
        }
        if (this.state === RUNNING) {
          mode = this.mode;
          value = this.value;
          this.value = undefined;
          continue;
        }
        return;
      }
    } finally {
      k.current = previous;
    }
  }

  private finish(kind: number, result: unknown): void {
    if (kind === ERROR && result instanceof Cancelled) kind = CANCELLED;
    this.state = DONE;
    this.kind = kind;
    this.result = result;
    this.iter = null;
    this.instruction = null;
    this.blockedOn = null;
    const absorbed = detachTask(this);
    this.nursery?.childFinished(this, absorbed);
    this.releaseJoiners();
  }

  private releaseJoiners(): void {
    const waiters = this.waiters;
    if (waiters === null) return;
    const joiners = waiters.joiners;
    if (joiners.length > 0) {
      waiters.joiners = [];
      for (const joiner of joiners) joiner.wake(NEXT, undefined, true);
    }
    if (waiters.resolve !== null) {
      if (this.kind === OK) waiters.resolve(this.result);
      else waiters.reject!(this.result);
      waiters.resolve = waiters.reject = null;
    }
  }

  // ---- joining ------------------------------------------------------------

  /** @internal */
  addJoiner(joiner: TaskImpl<unknown>): void {
    (this.waiters ??= new Waiters()).joiners.push(joiner);
  }

  abortWait(joiner: TaskImpl<unknown>): void {
    const joiners = this.waiters?.joiners;
    if (joiners === undefined) return;
    const i = joiners.indexOf(joiner);
    if (i >= 0) joiners.splice(i, 1);
  }

  /** The joined value, or throws the task's error or `Cancelled`. @internal */
  joinResult(): T {
    if (this.kind === OK) return this.result as T;
    throw this.result;
  }
}

/** `yield* task`: waits for the task; does not suspend if it is already done. */
class JoinInstruction<T> extends Instruction<T> {
  constructor(private readonly target: TaskImpl<T>) {
    super();
  }

  override next(value?: unknown): IteratorResult<unknown, T> {
    // Joining a finished task completes at once: no schedule point.
    if (kernel.resuming !== this && this.target.done) {
      return { done: true, value: this.target.joinResult() };
    }
    return super.next(value);
  }

  protected override result(): T {
    return this.target.joinResult();
  }

  enter(task: TaskImpl<unknown>): void {
    const target = this.target;
    if (target.done) {
      task.resumeSync(NEXT, undefined);
      return;
    }
    if ((target as TaskImpl<unknown>) === task) {
      throw new Error(`task ${task.name} tried to join itself, which would never finish`);
    }
    if (task.block(target)) target.addJoiner(task);
  }
}
