import { Bracket } from "./bracket.js";
import { describeError } from "./describe.js";
import { startEagerly } from "./eager.js";
import { Cancelled, NurseryError, type CancelReason } from "./errors.js";
import { kernel } from "./current.js";
import { rebaseTask } from "./membership.js";
import type { Operation } from "./operation.js";
import type { ChildHolder } from "./protocols.js";
import { NONE, scopeUnder, type CancelScope } from "./cancel-scope.js";
import { TaskImpl } from "./task-impl.js";

// The bits of `TaskGroup.flags`.
const OPEN = 1;
const OWNER_WAITING = 2;
const EXIT_SCHEDULE_POINT = 4;

/** The error for starting a task in a group that has finished. @internal */
export function closedError(): Error {
  return new Error(
    "Nursery is closed to new arrivals: it has finished; start the task in a nursery that is still open (an enclosing one)",
  );
}

/**
 * A group of child tasks with one owner: the list of running children, the
 * failures in the order they happened, and the owner's wait for the
 * children at the end. A nursery is a group (with a body and a cancel scope
 * the owner enters); `all` and `race` use a group without a body.
 *
 * Rules kept here:
 * - a child is attached (listed, and in its scope) before its first step,
 *   so a cancellation issued during an eager first step reaches it
 *   (docs/cases.md X10, X14);
 * - a child's failure, or a `Cancelled` its own handle scope did not
 *   absorb, is recorded and cancels the group's scope at once (E01);
 * - at the end, cancellation that came from an enclosing scope alone gives
 *   one `Cancelled`; anything else is a `NurseryError` of every failure,
 *   from which the group's own scope strips its `Cancelled`s.
 *
 * The group is a {@link Bracket} so that a nursery is one object; a group
 * without a body never runs as a bracket (its owner suspends on the group
 * itself, see {@link TaskGroup.awaitChildren}).
 *
 * @internal
 */
export class TaskGroup extends Bracket<unknown> implements ChildHolder {
  owner!: TaskImpl<unknown>;
  /**
   * The group's scope. A nursery sets it when it opens (its owner runs the
   * body inside it); the group of `all`/`race` creates it only when it must
   * cancel its children (see `groupScope`) — until then they run in `outer`.
   */
  protected scope: CancelScope | null = null;
  /** The scope the children start in while the group has no scope of its own. */
  private outer: CancelScope | null = null;
  firstChild: TaskImpl<unknown> | null = null;
  childCount = 0;
  pendingStarts = 0;
  errors: unknown[] | null = null;
  /** OPEN, OWNER_WAITING and EXIT_SCHEDULE_POINT: one field, not three, in every nursery. */
  private flags: number;

  /**
   * `exitIsSchedulePoint`: whether the end of the group is a schedule point
   * even with nothing to wait for (a nursery, docs/cases.md L06) or completes
   * without suspending (`all`, `race`).
   */
  constructor(exitIsSchedulePoint: boolean) {
    super();
    this.flags = exitIsSchedulePoint ? OPEN | EXIT_SCHEDULE_POINT : OPEN;
  }

  /** Whether the end of the group is a schedule point even with nothing to wait for. */
  get exitIsSchedulePoint(): boolean {
    return (this.flags & EXIT_SCHEDULE_POINT) !== 0;
  }

  /** Whether children may still be started. */
  get isOpen(): boolean {
    return (this.flags & OPEN) !== 0;
  }

  set isOpen(value: boolean) {
    this.flags = value ? this.flags | OPEN : this.flags & ~OPEN;
  }

  /** Whether the owner is suspended on the group, waiting for the children. */
  get ownerWaiting(): boolean {
    return (this.flags & OWNER_WAITING) !== 0;
  }

  set ownerWaiting(value: boolean) {
    this.flags = value ? this.flags | OWNER_WAITING : this.flags & ~OWNER_WAITING;
  }

  /** Makes `owner` the owner of a group without a body; its children start in its current scope. */
  join(owner: TaskImpl<unknown>): this {
    this.owner = owner;
    this.outer = owner.scope;
    return this;
  }

  /** The group's scope, created on first need for a group without a body. */
  groupScope(): CancelScope {
    let scope = this.scope;
    if (scope === null) {
      // Slide a scope in between the owner's scope and the children, which
      // are moved under it.
      scope = this.scope = scopeUnder(this.outer!, this.owner);
      for (let t = this.firstChild; t !== null; t = t.nextSibling) rebaseTask(t, scope);
    }
    return scope;
  }

  // ---- as a bracket: the body, then the wait for the children ----------------

  /** Opens the group's scope and returns its body; only a nursery has one. */
  protected open(): Operation<unknown> {
    throw new Error("a task group without a body does not run as an operation");
  }

  protected afterBody(ok: boolean, result: unknown): boolean {
    if (!ok) this.bodyFailed(result);
    return true;
  }

  protected close(ok: boolean, result: unknown): unknown {
    const rest = this.finishGroup();
    if (rest !== NONE) throw rest;
    return ok ? result : undefined;
  }

  // ---- children -------------------------------------------------------------

  /** Creates a task attached to this group (children list and scope) before it runs. */
  spawn<T>(fn: (() => Operation<T>) | Operation<T>, name: string | undefined): TaskImpl<T> {
    if (!this.isOpen) throw closedError();
    const task = new TaskImpl<T>(this, this.scope ?? this.outer!, fn, name);
    this.adopt(task as TaskImpl<unknown>);
    return task;
  }

  /** Starts `input` (an operation, or a function returning one) eagerly as a child. */
  startChild<T>(input: (() => Operation<T>) | Operation<T>): TaskImpl<T> {
    const task = this.spawn(input, undefined);
    startEagerly(task as TaskImpl<unknown>);
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

  /** Takes in a task that started in the owner's scope (see `all`), before the group had a scope. */
  adoptStarted(task: TaskImpl<unknown>): void {
    this.adopt(task);
    if (this.scope !== null) rebaseTask(task, this.scope);
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

  /** Records how a child ended: a failure (or a `Cancelled` its own scope did not absorb) cancels the group. */
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

  /** Records a failure and cancels the group's scope (every sibling and the body). */
  addError(error: unknown, reason: CancelReason): void {
    (this.errors ??= []).push(error);
    this.groupScope()._cancel(reason);
  }

  /** Records the failure of the body (or of the loop that starts the children). */
  bodyFailed(error: unknown): void {
    this.addError(error, {
      source: "nursery",
      reason: `code block inside nursery raised exception ${describeError(error)}`,
      sourceTask: this.owner.name,
    });
  }

  // ---- the owner's wait ------------------------------------------------------

  /**
   * Suspends the owner until the children are done, by yielding the group
   * as the instruction it waits on — unless nothing is left to wait for.
   * Returns whether it yielded. For a group without a body (`all`, `race`).
   */
  awaitChildren(): boolean {
    if (this.childCount === 0 && this.pendingStarts === 0) return false;
    kernel.yielded = this as never;
    return true;
  }

  /** The owner's wait for the children (not a cancellation point). */
  enter(owner: TaskImpl<unknown>): void {
    if (this.childCount === 0 && this.pendingStarts === 0) {
      // Nothing to wait for: a nursery's exit is still a schedule point
      // (docs/cases.md L06), but `all`/`race` complete without suspending.
      if (this.exitIsSchedulePoint) owner.wake(undefined, false);
      else owner.resumeSync(undefined);
      return;
    }
    this.ownerWaiting = true;
    owner.blockUninterruptibly();
  }

  /** Wakes the owner once nothing is left to wait for. */
  settled(): void {
    if (this.ownerWaiting && this.childCount === 0 && this.pendingStarts === 0) {
      this.ownerWaiting = false;
      this.owner.wake(undefined, false);
    }
  }

  /**
   * Closes the group and leaves its scope. Returns what to throw (`NONE`
   * for nothing): cancellation that came from an enclosing scope alone
   * gives one `Cancelled`; anything else is a `NurseryError` of every
   * failure, from which the group's own scope strips its `Cancelled`s.
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
    return this.leaveScope(scope, error);
  }

  /** Leaves the group's scope; a nursery's owner exits the scope it entered. */
  protected leaveScope(scope: CancelScope, error: unknown): unknown {
    return scope._leave(error);
  }
}
