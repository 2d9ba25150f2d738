import { kernel } from "./current.js";
import { Cancelled, NurseryError } from "./errors.js";
import { cancelTask, detachTask, stripHandleCancellation } from "./membership.js";
import { linkTask, unlinkTask } from "./scope-tree.js";
import {
  ENTER_AGAIN,
  Instruction,
  generatorNext,
  isGenerator,
  iteratorOf,
  plainYieldError,
  type Operation,
} from "./operation.js";
import type { Blocker, ChildHolder } from "./protocols.js";
import type { Runtime } from "./runtime.js";
import type { CancelScope } from "./cancel-scope.js";
import type { Outcome, Task } from "./task.js";

// How the driver resumes a task next, plus the CHECK bit: the resumption
// is a cancellation point. Local constants on purpose: V8 folds them into
// the step loop, which it does not do for imported bindings.
const NEXT = 0;
const THROW = 1;
const FIRST = 2;
const CHECK = 4;
/** The bits of `TaskImpl.state` that hold the resume mode (with CHECK). */
const RESUME_BITS = 7;

// Driver states, above the resume bits (one field holds both: a field less
// in every task); the last three are "done" and say how the task ended.
const CREATED = 0 << 3;
const RUNNING = 1 << 3;
const ENTERING = 2 << 3;
const READY = 3 << 3;
const SUSPENDED = 4 << 3;
const DONE_OK = 5 << 3;
const DONE_ERROR = 6 << 3;
const DONE_CANCELLED = 7 << 3;

let nextTaskId = 1;

/** A start function's name, or `undefined` for an anonymous one (numbered when asked). */
function nameOf(fn: () => unknown): string | undefined {
  const name = fn.name;
  return name !== "" ? name : undefined;
}

/**
 * What only some tasks need — the scope `cancel()` creates, the promise
 * behind `await task` — kept out of the task object so that the common task
 * (started, finished, never awaited or cancelled) stays small.
 */
class TaskExtras {
  /** The scope that `cancel()` (or `useAbortSignal` at the task's base) created. */
  handle: CancelScope | null = null;
  promise: Promise<unknown> | null = null;
  resolve: ((value: unknown) => void) | null = null;
  reject: ((error: unknown) => void) | null = null;
  /**
   * The tasks joining this one, as a list threaded through the joiners
   * themselves (a task joins at most one task at a time), newest first.
   */
  firstJoiner: TaskImpl<unknown> | null = null;
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
 *   it (docs/cases.md X10, X14);
 * - every resumption from a suspension is a cancellation point: a task
 *   resumed inside an effectively cancelled scope gets `Cancelled` instead
 *   of what it waited for; the first step of a task and synchronous
 *   completions are not;
 * - completion bookkeeping runs exactly once, in `finish`.
 *
 * @internal
 */
export class TaskImpl<T> extends Instruction<T> implements Task<T>, Blocker {
  /**
   * Before the first step: what it runs (a function returning an operation,
   * or an operation); from then on the task's iterator.
   */
  private body: (() => Operation<T>) | Operation<T> | Iterator<unknown, T, unknown> | null;
  /**
   * The name from the start options; or, once the first step has run, the
   * function the task started from, whose name is read only if someone asks
   * or the task suspends (reading `Function#name` is an accessor call, too
   * slow for every task); `undefined` for a name to number when asked.
   */
  private givenName: string | (() => unknown) | undefined;
  /**
   * The driver state, or-ed with how the task resumes next (a resume mode,
   * maybe with CHECK; meaningful once the task is READY, or RUNNING after a
   * synchronous resume). Only READY and RUNNING carry resume bits, so
   * RUNNING is read with `& ~RESUME_BITS`; done states compare with `>=`.
   */
  private state = CREATED | FIRST;
  /** The value it resumes with; once done, the value, error or `Cancelled` it ended with. */
  private value: unknown = undefined;
  /** The instruction the task is suspended on, handed back to it on resumption. */
  private instruction: Instruction | null = null;
  /** What to unregister from when a cancellation aborts the current wait; null when not abortable. */
  blockedOn: Blocker | null = null;

  /** The innermost cancel scope the task is in right now. */
  scope: CancelScope;
  /** Links in `scope`'s list of blocked tasks (only a blocked task is listed). */
  prevInScope: TaskImpl<unknown> | null = null;
  nextInScope: TaskImpl<unknown> | null = null;

  /**
   * The next task in the run queue. A queued task is ready, and a ready
   * task is in no scope's list (`wakeIn` takes it off before queueing it),
   * so the queue threads through the scope list's link: a field less in
   * every task.
   */
  get nextReady(): TaskImpl<unknown> | null {
    return this.nextInScope;
  }

  set nextReady(task: TaskImpl<unknown> | null) {
    this.nextInScope = task;
  }

  nursery: ChildHolder | null;
  /** Links in the nursery's list of children. */
  prevSibling: TaskImpl<unknown> | null = null;
  nextSibling: TaskImpl<unknown> | null = null;

  private extras: TaskExtras | null = null;

  /**
   * The next task joining the same task, in that task's list of joiners. A
   * joiner is suspended, and a suspended task's `value` is unused until it
   * is woken (the wake sets it), so the link lives there: a field less in
   * every task.
   */
  private get nextJoiner(): TaskImpl<unknown> | null {
    return (this.value as TaskImpl<unknown> | undefined) ?? null;
  }

  private set nextJoiner(task: TaskImpl<unknown> | null) {
    this.value = task;
  }

  constructor(
    nursery: ChildHolder | null,
    scope: CancelScope,
    body: (() => Operation<T>) | Operation<T>,
    name: string | undefined,
  ) {
    super();
    this.nursery = nursery;
    this.scope = scope;
    this.body = body;
    this.givenName = name;
  }

  /** The runtime of the run this task belongs to (every entered scope knows it). */
  get runtime(): Runtime {
    return this.scope._runtime!;
  }

  get name(): string {
    let name = this.givenName;
    if (typeof name === "string") return name;
    // Before the first step the function is still the body.
    const fn = name ?? this.body;
    name = (typeof fn === "function" ? nameOf(fn) : undefined) ?? `task-${nextTaskId++}`;
    this.givenName = name;
    return name;
  }

  get done(): boolean {
    return this.state >= DONE_OK;
  }

  get outcome(): Outcome<T> | undefined {
    switch (this.state & ~RESUME_BITS) {
      case DONE_OK:
        return { status: "ok", value: this.value as T };
      case DONE_ERROR:
        return { status: "error", error: this.value };
      case DONE_CANCELLED:
        return { status: "cancelled", reason: (this.value as Cancelled).reason };
      default:
        return undefined;
    }
  }

  /** Whether this task ended with `Cancelled` (for joins and `start`). @internal */
  get cancelled(): boolean {
    return this.state === DONE_CANCELLED;
  }

  /** The value, error or `Cancelled` the task ended with. @internal */
  get rawResult(): unknown {
    return this.value;
  }

  /** Whether the task ended with a value. @internal */
  get succeeded(): boolean {
    return this.state === DONE_OK;
  }

  /** The scope that `cancel()` created, between the nursery's scope and the task. @internal */
  get handle(): CancelScope | null {
    return this.extras?.handle ?? null;
  }

  set handle(scope: CancelScope | null) {
    (this.extras ??= new TaskExtras()).handle = scope;
  }

  cancel(reason?: unknown): void {
    if (this.state >= DONE_OK) return;
    cancelTask(this, reason);
  }

  // A task is the instruction that joins it: `yield* task`.

  override next(value?: unknown): IteratorResult<unknown, T> {
    // Joining a finished task completes at once: no schedule point.
    if ((kernel.resuming as unknown) !== this && this.state >= DONE_OK) {
      return { done: true, value: this.joinResult() };
    }
    return super.next(value);
  }

  protected override result(): T {
    return this.joinResult();
  }

  /** `joiner` waits for this task. */
  enter(joiner: TaskImpl<unknown>): void {
    if (this.state >= DONE_OK) {
      joiner.resumeSync(undefined);
      return;
    }
    if ((this as TaskImpl<unknown>) === joiner) {
      throw new Error(`task ${joiner.name} tried to join itself, which would never finish`);
    }
    if (joiner.block(this)) {
      const extras = (this.extras ??= new TaskExtras());
      joiner.nextJoiner = extras.firstJoiner;
      extras.firstJoiner = joiner;
    }
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const settlement = (this.extras ??= new TaskExtras());
    if (settlement.promise === null) {
      this.runtime.stats.promises++;
      if (this.state === DONE_OK) settlement.promise = Promise.resolve(this.value);
      else if (this.state >= DONE_OK) settlement.promise = Promise.reject(this.value);
      else {
        settlement.promise = new Promise((resolve, reject) => {
          settlement.resolve = resolve;
          settlement.reject = reject;
        });
      }
    }
    return (settlement.promise as Promise<T>).then(onfulfilled, onrejected);
  }

  override toString(): string {
    return `Task(${this.name})`;
  }

  // ---- driver -------------------------------------------------------------

  /** Runs the first step now, on the caller's stack (eager start, `run`). */
  stepFirst(): void {
    this.step(FIRST, undefined);
  }

  /** Queues the first step (lazy start); it runs even if the task is cancelled by then. */
  scheduleFirst(): void {
    this.state = READY | FIRST;
    this.runtime.enqueue(this);
  }

  /**
   * Resumes the task later, from the run queue, with `value` as the result
   * of its `yield*`. With `cancelPoint`, the resumption delivers a pending
   * cancellation instead.
   */
  wake(value: unknown, cancelPoint: boolean): void {
    this.wakeIn(NEXT, value, cancelPoint, false);
  }

  /** Like {@link wake}, but `error` is thrown at the task's `yield*`. */
  wakeThrowing(error: unknown, cancelPoint: boolean): void {
    this.wakeIn(THROW, error, cancelPoint, false);
  }

  /**
   * Ends a wait from outside the run — a promise's callback, an async
   * iterator's `next()` — as a cancellation point: resumes with `value`
   * (`ok`) or throws it. Nothing of the run is on the stack, so the runtime
   * drains now, on the caller's stack, instead of queueing a microtask.
   */
  wakeFromOutside(ok: boolean, value: unknown): void {
    this.wakeIn(ok ? NEXT : THROW, value, true, true);
  }

  private wakeIn(mode: number, value: unknown, cancelPoint: boolean, drainNow: boolean): void {
    if (this.blockedOn !== null) {
      unlinkTask(this);
      this.blockedOn = null;
    }
    this.state = READY | (cancelPoint ? mode | CHECK : mode);
    this.value = value;
    if (drainNow) this.runtime.enqueueAndDrain(this);
    else this.runtime.enqueue(this);
  }

  /**
   * Resumes the task without suspending it: valid only while an instruction
   * is entering (a resume that fires during its own setup), or for the
   * task that is running. The driver loop picks the value up; nothing is
   * queued and the stack does not grow.
   */
  resumeSync(value: unknown): void {
    this.state = RUNNING | NEXT;
    this.value = value;
  }

  /** Like {@link resumeSync}, but `error` is thrown at the task's `yield*`. */
  resumeSyncThrowing(error: unknown): void {
    this.state = RUNNING | THROW;
    this.value = error;
  }

  /** Whether the instruction that is entering may still resume the task synchronously. */
  get entering(): boolean {
    return this.state === ENTERING;
  }

  /**
   * Suspends the task on an abortable wait, unless it is already inside an
   * effectively cancelled scope: then it only yields (a schedule point) and
   * gets `Cancelled` when it resumes. Returns whether it really blocked.
   * A blocked task is listed in its scope, so a cancellation can wake it.
   */
  block(on: Blocker): boolean {
    if (this.scope._effectivelyCancelled) {
      this.enterAgainAtTurn();
      return false;
    }
    this.state = SUSPENDED;
    this.blockedOn = on;
    linkTask(this);
    return true;
  }

  /**
   * Yields in a cancelled scope without waiting: at its turn the task gets
   * `Cancelled`, or — if a shield hides the cancellation by then — its
   * instruction is entered again, since the wait has not happened yet. (A
   * resume with `undefined` would end it unperformed: a `call` that never
   * calls, a sleep that never sleeps.)
   */
  enterAgainAtTurn(): void {
    this.wake(ENTER_AGAIN, true);
  }

  /**
   * Like {@link block}, for an instruction whose `enter` did work before it
   * blocked and so cannot be entered twice: in a cancelled scope the task
   * yields and, if no cancellation shows at its turn, resumes with
   * `undefined`. The instruction must treat that as the end of its wait.
   */
  blockOnce(on: Blocker): boolean {
    if (this.scope._effectivelyCancelled) {
      this.wake(undefined, true);
      return false;
    }
    return this.block(on);
  }

  /** Suspends the task on a wait that cancellation does not interrupt (a nursery's exit). */
  blockUninterruptibly(): void {
    this.state = SUSPENDED;
  }

  /** Takes the task off its wait and resumes it with `Cancelled` (level-triggered delivery). */
  deliverCancel(): void {
    const on = this.blockedOn;
    if (this.state !== SUSPENDED || on === null) return;
    unlinkTask(this);
    this.blockedOn = null;
    on.abortWait(this);
    this.wakeThrowing(this.scope._makeCancelled(), false);
  }

  /** Called by the runtime for a task taken from the run queue. */
  resumeFromQueue(): void {
    let mode = this.state & RESUME_BITS;
    let value = this.value;
    this.value = undefined;
    if ((mode & CHECK) !== 0) {
      mode ^= CHECK;
      if (this.scope._effectivelyCancelled) {
        mode = THROW;
        value = this.scope._makeCancelled();
      }
    }
    this.step(mode, value);
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
          if (mode === FIRST) {
            const body = this.body as (() => Operation<T>) | Operation<T>;
            let op: Operation<T>;
            if (typeof body === "function") {
              this.givenName ??= body;
              op = body();
            } else {
              op = body;
            }
            // One prototype check per first step (see `isGenerator`).
            if (isGenerator(op)) {
              const iter = op as unknown as Iterator<unknown, T, unknown>;
              this.body = iter;
              r = generatorNext.call(iter) as IteratorResult<unknown, T>;
            } else {
              const iter = iteratorOf(
                op,
                typeof body === "function" ? "the function given to start a task" : "a task",
              );
              this.body = iter;
              r = (isGenerator(iter) ? generatorNext.call(iter) : iter.next()) as IteratorResult<
                unknown,
                T
              >;
            }
          } else if (mode === NEXT) {
            k.resuming = this.instruction;
            const iter = this.body as Iterator<unknown, T, unknown>;
            // A direct call: `iter.next` is megamorphic across many generator functions.
            r = (
              isGenerator(iter) ? generatorNext.call(iter, value) : iter.next(value)
            ) as IteratorResult<unknown, T>;
          } else {
            const iter = this.body as Iterator<unknown, T, unknown>;
            k.resuming = null;
            if (typeof iter.throw !== "function") throw value;
            r = iter.throw(value);
          }
        } catch (error) {
          k.resuming = null;
          k.yielded = null;
          this.finish(false, error);
          return;
        }
        k.resuming = null;
        this.instruction = null;
        if (r.done === true) {
          this.finish(true, r.value);
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
          if (this.state === ENTERING || (this.state & ~RESUME_BITS) === RUNNING) {
            this.state = RUNNING;
            this.instruction = null;
            mode = THROW;
            value = error;
            continue;
          }
          throw error;
        }
        if ((this.state & ~RESUME_BITS) === RUNNING) {
          mode = this.state & RESUME_BITS;
          value = this.value;
          this.value = undefined;
          continue;
        }
        // Suspended: read the start function's name now and let the
        // function go, so a waiting task does not keep its closure (and
        // what that captures) alive. A task that never suspends never
        // pays for the read.
        const given = this.givenName;
        if (typeof given === "function") this.givenName = nameOf(given);
        return;
      }
    } finally {
      k.current = previous;
    }
  }

  private finish(ok: boolean, ending: unknown): void {
    if (!ok && ending instanceof NurseryError) ending = stripHandleCancellation(this, ending);
    this.state = ok ? DONE_OK : ending instanceof Cancelled ? DONE_CANCELLED : DONE_ERROR;
    this.value = ending;
    this.body = null;
    this.instruction = null;
    this.blockedOn = null;
    const absorbed = detachTask(this);
    this.nursery?.childFinished(this, absorbed);
    this.releaseJoiners();
  }

  private releaseJoiners(): void {
    const extras = this.extras;
    if (extras === null) return;
    // Woken in the order they started to join.
    let joiner = extras.firstJoiner;
    if (joiner !== null) {
      extras.firstJoiner = null;
      let reversed: TaskImpl<unknown> | null = null;
      while (joiner !== null) {
        const next: TaskImpl<unknown> | null = joiner.nextJoiner;
        joiner.nextJoiner = reversed;
        reversed = joiner;
        joiner = next;
      }
      for (joiner = reversed; joiner !== null;) {
        const next: TaskImpl<unknown> | null = joiner.nextJoiner;
        joiner.nextJoiner = null;
        joiner.wake(undefined, true);
        joiner = next;
      }
    }
    if (extras.resolve !== null) {
      if (this.state === DONE_OK) extras.resolve(this.value);
      else extras.reject!(this.value);
      extras.resolve = extras.reject = null;
    }
  }

  // ---- joining ------------------------------------------------------------

  /** A joiner was cancelled: take it off the list. */
  abortWait(joiner: TaskImpl<unknown>): void {
    const extras = this.extras!;
    let prev: TaskImpl<unknown> | null = null;
    for (let t = extras.firstJoiner; t !== null; prev = t, t = t.nextJoiner) {
      if (t !== joiner) continue;
      if (prev === null) extras.firstJoiner = t.nextJoiner;
      else prev.nextJoiner = t.nextJoiner;
      t.nextJoiner = null;
      return;
    }
  }

  /** The joined value, or throws the task's error or `Cancelled`. @internal */
  joinResult(): T {
    if (this.state === DONE_OK) return this.value as T;
    throw this.value;
  }
}
