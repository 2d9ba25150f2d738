import { kernel } from "./current.js";
import { scopeUnder, type CancelScope } from "./cancel-scope.js";
import type { NurseryError } from "./errors.js";
import { linkChild, moveTask, recalculate, stripCancelled, unlinkChild } from "./scope-tree.js";
import type { TaskImpl } from "./task-impl.js";

// Which scopes a task is in: its innermost scope (`task.scope`) and its base
// (where its outermost frames run: its handle scope, created on the first
// `task.cancel()`, or its group's scope).

/**
 * Takes a finished task out of the scope tree. Returns whether its
 * `Cancelled` was absorbed by its own handle scope (`task.cancel()`), in
 * which case it adds nothing to its nursery's errors.
 *
 * @internal
 */
export function detachTask(task: TaskImpl<unknown>): boolean {
  // A finishing task is running, so it is in no scope's list of blocked tasks.
  const handle = task.handle;
  if (handle === null) return false;
  const absorbed = task.cancelled && handle._absorbsAtTaskEnd();
  handle._close();
  return absorbed;
}

/**
 * What a task that fails with the group `error` ends with, once its own
 * handle scope (`task.cancel()`) has absorbed the `Cancelled` members it
 * caused, as every cancel scope does when it is left (C06): the rest of the
 * group, or — nothing left — a `Cancelled`, which the handle then absorbs.
 *
 * @internal
 */
export function stripHandleCancellation(task: TaskImpl<unknown>, error: NurseryError): unknown {
  const handle = task.handle;
  if (handle === null || !handle._absorbsAtTaskEnd()) return error;
  return stripCancelled(error) ?? handle._makeCancelled();
}

/**
 * `task.cancel()`: cancels a scope that holds this task only. The scope is
 * created on the first call (no scope per task otherwise) and slid in
 * between the task and the scope it was started in.
 *
 * @internal
 */
export function cancelTask(task: TaskImpl<unknown>, reason: unknown): void {
  handleScope(task)._cancel({ source: "explicit", reason, sourceTask: kernel.current?.name });
}

/**
 * The scope a task's outermost frames run in: its handle scope, or else the
 * first scope above it that the task did not enter (its group's scope, the
 * root scope). Derived rather than stored: only the rare paths need it.
 *
 * @internal
 */
export function baseScope(task: TaskImpl<unknown>): CancelScope {
  const handle = task.handle;
  if (handle !== null) return handle;
  let scope = task.scope;
  while (scope._owner === task) scope = scope._parent!;
  return scope;
}

/** The task's own scope, created on first use. @internal */
export function handleScope(task: TaskImpl<unknown>): CancelScope {
  let handle = task.handle;
  if (handle === null) {
    const base = baseScope(task);
    const outermost = outermostScope(task, base);
    handle = task.handle = scopeUnder(base, task);
    if (outermost !== null) {
      unlinkChild(outermost);
      linkChild(handle, outermost);
    } else if (task.scope === base) {
      moveTask(task, handle);
    }
  }
  return handle;
}

/**
 * The task's own outermost entered scope (a child of its base), found by
 * walking up from its innermost scope; `null` when it is in its base.
 * Only the rare paths (`cancel()`, `started()`) need it.
 */
function outermostScope(task: TaskImpl<unknown>, base: CancelScope): CancelScope | null {
  let scope = task.scope;
  if (scope === base) return null;
  while (scope._parent !== base) scope = scope._parent!;
  return scope;
}

/**
 * Moves a task (and everything below it) under another scope: `started()`
 * moving a child from `start`'s private scope into the target nursery, or
 * a group sliding its own scope in between its owner and its children.
 *
 * @internal
 */
export function rebaseTask(task: TaskImpl<unknown>, parent: CancelScope): void {
  const top = task.handle ?? outermostScope(task, baseScope(task));
  if (top !== null) {
    unlinkChild(top);
    linkChild(parent, top);
    recalculate(top);
  } else {
    moveTask(task, parent);
  }
}

/**
 * The earliest deadline that applies to `task` now: `-Infinity` inside an
 * effectively cancelled scope; shields hide the deadlines of enclosing
 * scopes.
 *
 * @internal
 */
export function effectiveDeadline(task: TaskImpl<unknown>): number {
  let scope: CancelScope | null = task.scope;
  if (scope._effectivelyCancelled) return -Infinity;
  let deadline = Infinity;
  while (scope !== null) {
    const at = scope._at;
    if (at !== null && at < deadline) deadline = at;
    if (scope._shield) break;
    scope = scope._parent;
  }
  return deadline;
}
