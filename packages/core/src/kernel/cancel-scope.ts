import { kernel, requireCurrent } from "./current.js";
import { describeValue } from "./describe.js";
import { Cancelled, NurseryError, type CancelReason } from "./errors.js";
import type { Operation } from "./operation.js";
import type { Runtime } from "./runtime.js";
import { linkChild, moveTask, recalculate, stripCancelled, unlinkChild } from "./scope-tree.js";
import type { TaskImpl } from "./task-impl.js";
import { TimerEntry } from "./timer-heap.js";

/** A scope's phases. @internal */
export const UNENTERED = 0;
/** @internal */
export const ENTERED = 1;
/** @internal */
export const EXITED = 2;

// The bits of `CancelScope._flags`.
const SHIELD = 1;
const CANCEL_CALLED = 2;
/** The scope absorbed a `Cancelled` (`cancelledCaught`). */
const CAUGHT = 4;
/** `_deadline` holds a relative deadline, fixed when the scope starts. */
const RELATIVE = 8;

/** Marks "no exception" in the exit path. @internal */
export const NONE: unique symbol = Symbol("none");

/** Options of {@link CancelScope}. */
export interface CancelScopeOptions {
  /** Absolute clock time (ms) at which the scope cancels itself; `Infinity` (the default) for none. */
  deadline?: number;
  /**
   * A deadline relative to the moment the scope starts running (`run` is
   * `yield*`ed): it becomes `now + relativeDeadline` then. Cannot be given
   * together with `deadline`.
   */
  relativeDeadline?: number;
  /** Hide cancellation of enclosing scopes from the code inside (default `false`). */
  shield?: boolean;
}

function checkShield(value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`CancelScope.shield must be a boolean, got ${describeValue(value)}`);
  }
  return value;
}

function checkDeadline(value: unknown, what: string): number {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new RangeError(`${what} must be a number (not NaN), got ${describeValue(value)}`);
  }
  return value;
}

function checkRelative(value: unknown): number {
  checkDeadline(value, "CancelScope relativeDeadline");
  if ((value as number) < 0) {
    throw new RangeError(
      `CancelScope relativeDeadline must be non-negative, got ${value as number}`,
    );
  }
  return value as number;
}

/**
 * A region of an operation that can be cancelled as a unit: explicitly with
 * `cancel()`, or when its `deadline` passes. Scopes nest within a task, and
 * a nursery's scope encloses its children, so cancelling a scope cancels
 * every task and scope inside it.
 *
 * **Level-triggered.** While a task is inside a cancelled scope that no
 * shield hides, every suspension (sleep, checkpoint, join of an unfinished
 * task, `call`, ...) raises {@link Cancelled}: the task first yields (a
 * schedule point), then the `Cancelled` is thrown where it was suspended.
 * Code that runs without suspending is never interrupted (`cancel()` is not
 * a checkpoint). A task blocked in the scope when it is cancelled is woken
 * at once.
 *
 * **Absorption.** When the `Cancelled` reaches the end of the scope whose
 * cancellation caused it (and no enclosing cancelled scope is visible from
 * it), the scope absorbs it: `run` returns `undefined` and
 * `cancelledCaught` becomes `true`. If enclosing scopes are cancelled too,
 * the outermost one catches it. A scope strips `Cancelled` members out of a
 * {@link NurseryError} the same way, and a group left empty disappears.
 *
 * **Single use.** A scope runs once: running it again, or from two tasks, is
 * an error.
 *
 * On the eager path nothing differs: a scope entered during the first step
 * of a task started with `startTask` belongs to that new task.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { CancelScope, run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 *
 * const clock = new VirtualClock();
 * const scope = new CancelScope({ deadline: 1000 });
 * const value = await run(
 *   () =>
 *     scope.run(function* () {
 *       yield* sleep(5000);
 *       return "slept";
 *     }),
 *   { clock },
 * );
 * assert.equal(value, undefined);
 * assert.equal(scope.cancelledCaught, true);
 * assert.equal(clock.now(), 1000);
 * ```
 */
export class CancelScope {
  // One class for every scope — the user's, a nursery's, the root scope of
  // a run, a task's handle scope, an `all`/`race` group's — so that the
  // driver's reads of `task.scope` stay monomorphic.

  /**
   * @internal The absolute deadline, `null` for none; while `RELATIVE` is
   * set (a relative deadline, the scope not started yet), the relative one.
   * `null` rather than `Infinity`: a field that only ever holds numbers is
   * stored as a boxed number of its own in every scope, and most scopes
   * (every nursery's) have no deadline. `_deadline` reads it as a number.
   */
  _at: number | null = null;
  /**
   * @internal `SHIELD`, `CANCEL_CALLED`, `CAUGHT` and `RELATIVE` in one
   * small integer: every nursery has a scope, and four fields (one of them
   * a boxed `NaN`) cost 40 bytes more per scope.
   */
  _flags = 0;
  /** @internal */
  _phase = UNENTERED;

  /** @internal The first cause of cancellation, kept and copied into every `Cancelled`. */
  _reason: CancelReason | undefined = undefined;
  /** @internal The task that entered the scope. */
  _owner: TaskImpl<unknown> | null = null;
  /** @internal */
  _runtime: Runtime | null = null;
  /** @internal Whether code in this scope sees cancellation now. */
  _effectivelyCancelled = false;
  /** @internal Tree links: parent scope, first child scope, siblings. */
  _parent: CancelScope | null = null;
  /** @internal */
  _firstChild: CancelScope | null = null;
  /** @internal */
  _prevSibling: CancelScope | null = null;
  /** @internal */
  _nextSibling: CancelScope | null = null;
  /** @internal The blocked tasks whose innermost scope this is. */
  _firstTask: TaskImpl<unknown> | null = null;
  /** @internal */
  _lastTask: TaskImpl<unknown> | null = null;
  /** @internal */
  _timer: DeadlineTimer | null = null;
  /** @internal Created by `useAbortSignal`, aborted when the scope becomes effectively cancelled. */
  _controller: AbortController | null = null;

  /** @internal The deadline as a number: `Infinity` for none. */
  get _deadline(): number {
    const at = this._at;
    return at === null ? Infinity : at;
  }

  /** @internal Sets the deadline: `Infinity` for none. */
  set _deadline(value: number) {
    this._at = value === Infinity ? null : value;
  }

  /** @internal Whether the scope hides enclosing cancellation. */
  get _shield(): boolean {
    return (this._flags & SHIELD) !== 0;
  }

  /** @internal Whether `cancel()` was called or the deadline passed. */
  get _cancelCalled(): boolean {
    return (this._flags & CANCEL_CALLED) !== 0;
  }

  constructor(options?: CancelScopeOptions) {
    if (options === undefined) return;
    if (options.deadline !== undefined && options.relativeDeadline !== undefined) {
      throw new TypeError(
        "Cannot specify both a deadline and a relative deadline for a CancelScope",
      );
    }
    if (options.deadline !== undefined) {
      this._deadline = checkDeadline(options.deadline, "CancelScope deadline");
    }
    if (options.relativeDeadline !== undefined) {
      this._deadline = checkRelative(options.relativeDeadline);
      this._flags |= RELATIVE;
    }
    if (options.shield !== undefined && checkShield(options.shield)) this._flags |= SHIELD;
  }

  /**
   * Runs `body` inside this scope and returns its value, or `undefined` when
   * the scope caught its own cancellation. The scope starts when the
   * returned operation is `yield*`ed (a relative deadline is fixed then) and
   * belongs to the current task. Running a scope a second time throws.
   */
  run<T>(body: (scope: CancelScope) => Operation<T>): Operation<T | undefined> {
    if (typeof body !== "function") {
      throw new TypeError(
        `CancelScope.run expects a function that returns an operation, got ${describeValue(body)}`,
      );
    }
    return this.runBody(body);
  }

  private *runBody<T>(
    body: (scope: CancelScope) => Operation<T>,
  ): Generator<unknown, T | undefined> {
    const task = requireCurrent("CancelScope.run");
    enterScope(task, this);
    let value: T;
    try {
      value = yield* body(this);
    } catch (error) {
      const rest = exitScope(task, this, error);
      if (rest === NONE) return undefined;
      throw rest;
    }
    exitScope(task, this, NONE);
    return value;
  }

  /**
   * Cancels the scope: every task inside it gets `Cancelled` at its next
   * suspension (at once if it is blocked). Idempotent; the first reason is
   * kept. On a scope that has exited it sets `cancelCalled` and does
   * nothing else; on a scope that has not started yet, the body gets
   * `Cancelled` at its first suspension.
   */
  cancel(reason?: unknown): void {
    this._cancel({ source: "explicit", reason, sourceTask: kernel.current?.name });
  }

  /** Absolute clock time (ms) at which the scope cancels itself; `Infinity` for none. Changes take effect at once. */
  get deadline(): number {
    if (this._phase === UNENTERED && (this._flags & RELATIVE) !== 0) {
      throw new Error(
        "this CancelScope has a relative deadline and has not started, so it has no absolute deadline yet",
      );
    }
    return this._deadline;
  }

  /** Moves the deadline (absolute clock time, ms); `NaN` is a `RangeError`. */
  set deadline(value: number) {
    this._setDeadline(checkDeadline(value, "CancelScope deadline"));
  }

  /**
   * The deadline relative to now. Before the scope starts it is the
   * relative deadline it was created with; once running, reading gives
   * `deadline - now` and setting moves the deadline to `now + value`.
   */
  get relativeDeadline(): number {
    if (this._phase === ENTERED && this._runtime !== null)
      return this._deadline - this._runtime.now();
    const relative = (this._flags & RELATIVE) !== 0;
    if (this._phase === UNENTERED && !relative && this._at !== null) {
      throw new Error("this CancelScope has an absolute deadline, so it has no relative deadline");
    }
    return relative ? this._deadline : Infinity;
  }

  /** Sets the deadline relative to now (once running) or to the start (before); must be non-negative. */
  set relativeDeadline(value: number) {
    checkRelative(value);
    if (this._phase === ENTERED && this._runtime !== null) {
      this._setDeadline(this._runtime.now() + value);
    } else if (this._phase === UNENTERED) {
      if ((this._flags & RELATIVE) === 0 && this._at !== null) {
        throw new Error("this CancelScope has an absolute deadline; set `deadline` instead");
      }
      this._deadline = value;
      this._flags |= RELATIVE;
    }
  }

  /**
   * Whether the scope hides cancellation of enclosing scopes from the code
   * inside it. It never hides its own cancellation or that of scopes inside
   * it. Changes take effect at once; must be a boolean.
   */
  get shield(): boolean {
    return this._shield;
  }

  /** Turns the shield on or off, effective at once; a non-boolean is a `TypeError`. */
  set shield(value: boolean) {
    this._setShield(checkShield(value));
  }

  /**
   * Whether the scope was cancelled: by `cancel()` or because its deadline
   * passed. A scope that has not exited reports `true` as soon as its
   * deadline is at or before the clock's now; it never reverts.
   */
  get cancelCalled(): boolean {
    if (
      (this._flags & (CANCEL_CALLED | RELATIVE)) === 0 &&
      this._phase !== EXITED &&
      this._at !== null
    ) {
      const runtime = this._runtime ?? kernel.current?.runtime;
      if (runtime !== undefined && runtime !== null && this._deadline <= runtime.now()) {
        this._cancel({ source: "deadline", reason: undefined, sourceTask: undefined });
      }
    }
    return this._cancelCalled;
  }

  /** Whether the scope absorbed a `Cancelled` (its own cancellation reached its end). */
  get cancelledCaught(): boolean {
    return (this._flags & CAUGHT) !== 0;
  }

  // ---- kernel -------------------------------------------------------------
  //
  // Invariants:
  // - `_effectivelyCancelled` is `_cancelCalled`, or the parent's
  //   `_effectivelyCancelled` when not shielded; `recalculate` restores it
  //   below a scope whose state changed, and wakes the blocked tasks of every
  //   scope that became cancelled;
  // - only blocked tasks are listed in a scope (`_firstTask`);
  // - a scope strips only its own `Cancelled` (`_leave`).

  /** @internal Moves the deadline (already checked) and its timer. */
  _setDeadline(value: number): void {
    this._deadline = value;
    this._flags &= ~RELATIVE;
    if (this._phase !== ENTERED || this._cancelCalled) return;
    const runtime = this._runtime!;
    if (value <= runtime.now()) {
      this._cancel({ source: "deadline", reason: undefined, sourceTask: undefined });
    } else if (value === Infinity) {
      if (this._timer !== null) {
        runtime.removeTimer(this._timer);
        this._timer = null;
      }
    } else if (this._timer !== null) {
      runtime.moveTimer(this._timer, value);
    } else {
      runtime.addTimer((this._timer = new DeadlineTimer(this)), value);
    }
  }

  /** @internal Changes the shield and what the scopes below see. */
  _setShield(value: boolean): void {
    if (value === this._shield) return;
    this._flags ^= SHIELD;
    if (this._phase === ENTERED) recalculate(this);
  }

  /** @internal The deadline timer fired. */
  _onDeadline(): void {
    this._timer = null;
    this._cancel({ source: "deadline", reason: undefined, sourceTask: undefined });
  }

  /** @internal */
  _cancel(reason: CancelReason): void {
    if (this._cancelCalled) return;
    this._flags |= CANCEL_CALLED;
    if (this._phase === EXITED) return;
    this._reason ??= reason;
    if (this._timer !== null) {
      this._runtime!.removeTimer(this._timer);
      this._timer = null;
    }
    if (this._phase === ENTERED) recalculate(this);
  }

  /** @internal A fresh `Cancelled` carrying this scope's reason. */
  _makeCancelled(): Cancelled {
    const reason = this._reason;
    return reason === undefined
      ? new Cancelled("explicit")
      : new Cancelled(reason.source, reason.reason, reason.sourceTask);
  }

  /**
   * @internal Opens the scope under `parent` (the entering task's innermost
   * scope): fixes a relative deadline, inherits visible cancellation and
   * arms the deadline timer.
   */
  _open(parent: CancelScope, runtime: Runtime): void {
    this._phase = ENTERED;
    this._runtime = runtime;
    linkChild(parent, this);
    if ((this._flags & RELATIVE) !== 0) {
      this._deadline = runtime.now() + this._deadline;
      this._flags &= ~RELATIVE;
    }
    const parentVisible = !this._shield && parent._effectivelyCancelled;
    this._effectivelyCancelled = this._cancelCalled || parentVisible;
    if (parentVisible && this._reason === undefined) this._reason = parent._reason;
    if (!this._cancelCalled && this._at !== null) {
      if (this._deadline <= runtime.now()) {
        this._cancel({ source: "deadline", reason: undefined, sourceTask: undefined });
      } else {
        runtime.addTimer((this._timer = new DeadlineTimer(this)), this._deadline);
      }
    }
  }

  /**
   * @internal Closes the scope (it is nobody's innermost scope now) and
   * returns what is left of `error` after absorbing its own cancellation.
   */
  _leave(error: unknown): unknown {
    const parent = this._parent!;
    const absorbs = this._cancelCalled && !(!this._shield && parent._effectivelyCancelled);
    unlinkChild(this);
    if (this._timer !== null) {
      this._runtime!.removeTimer(this._timer);
      this._timer = null;
    }
    this._phase = EXITED;
    if (error === NONE || !absorbs) return error;
    if (error instanceof Cancelled) {
      this._flags |= CAUGHT;
      return NONE;
    }
    if (error instanceof NurseryError) {
      const rest = stripCancelled(error);
      if (rest !== error) this._flags |= CAUGHT;
      return rest ?? NONE;
    }
    return error;
  }

  /** @internal Whether a `Cancelled` leaving a task whose handle scope this is stops here. */
  _absorbsAtTaskEnd(): boolean {
    const parent = this._parent;
    return this._cancelCalled && (parent === null || !parent._effectivelyCancelled);
  }

  /** @internal An AbortSignal that aborts when this scope becomes effectively cancelled. */
  _signal(): AbortSignal {
    let controller = this._controller;
    if (controller === null) {
      controller = this._controller = new AbortController();
      if (this._effectivelyCancelled) controller.abort(this._makeCancelled());
    }
    return controller.signal;
  }

  /** @internal Marks a root, handle or group scope as finished. */
  _close(): void {
    if (this._parent !== null) unlinkChild(this);
    this._phase = EXITED;
  }
}

/**
 * Enters `scope` as `task`'s innermost scope.
 *
 * @internal
 */
export function enterScope(task: TaskImpl<unknown>, scope: CancelScope): void {
  if (scope._phase !== UNENTERED) {
    throw new Error(
      "Each CancelScope may only be run once, by one task; create a new CancelScope for each run",
    );
  }
  scope._owner = task;
  scope._open(task.scope, task.runtime);
  moveTask(task, scope);
}

/**
 * Leaves `scope`, which `task` entered. Returns what is left of `error`
 * after the scope absorbed its own cancellation (`NONE` when nothing is
 * left). A scope left by another task, or while an inner scope of the task
 * is still running, is misnested: that is an error (Trio's "cancel scope
 * stack corrupted"), with the original error as its cause.
 *
 * @internal
 */
export function exitScope(task: TaskImpl<unknown>, scope: CancelScope, error: unknown): unknown {
  if (task.scope !== scope || kernel.current !== task) {
    const misnested = new Error(
      `Cancel scope stack corrupted: a scope entered by task ${scope._owner?.name} was exited ` +
        `${kernel.current === task ? "while an inner scope was still running" : `from task ${kernel.current?.name}`}`,
    );
    if (error !== NONE) (misnested as { cause?: unknown }).cause = error;
    error = misnested;
  }
  if (task.scope === scope) moveTask(task, scope._parent!);
  return scope._leave(error);
}

/** A scope that is running from the start: the root scope of a run. @internal */
export function rootScope(runtime: Runtime): CancelScope {
  const scope = new CancelScope();
  scope._phase = ENTERED;
  scope._runtime = runtime;
  return scope;
}

/**
 * A running scope under `parent` that no task entered: the handle scope of
 * a task, or the scope of an `all`/`race` group (made only when the group
 * must cancel its children).
 *
 * @internal
 */
export function scopeUnder(parent: CancelScope, owner: TaskImpl<unknown>): CancelScope {
  const scope = rootScope(parent._runtime!);
  scope._owner = owner;
  linkChild(parent, scope);
  scope._effectivelyCancelled = parent._effectivelyCancelled;
  if (parent._effectivelyCancelled) scope._reason = parent._reason;
  return scope;
}

/** A scope's deadline in the runtime's timer heap. */
class DeadlineTimer extends TimerEntry {
  constructor(private readonly scope: CancelScope) {
    super();
  }

  fire(): void {
    this.scope._onDeadline();
  }
}
