import { Cancelled, NurseryError } from "./errors.js";
import type { CancelScope } from "./cancel-scope.js";
import type { TaskImpl } from "./task-impl.js";

// The shape of the scope tree: parent and child scopes, and the blocked
// tasks each scope lists (only a blocked task is listed: a running or ready
// task checks its scope when it next suspends or resumes).

/**
 * Removes the `Cancelled` members of a group (recursively), keeping the
 * other members as the same objects. Returns the group itself when nothing
 * was removed, a new group with the rest otherwise, and `undefined` when
 * nothing is left.
 *
 * @internal
 */
export function stripCancelled(group: NurseryError): NurseryError | undefined {
  let changed = false;
  const rest: unknown[] = [];
  for (const member of group.errors) {
    if (member instanceof Cancelled) {
      changed = true;
    } else if (member instanceof NurseryError) {
      const inner = stripCancelled(member);
      if (inner !== member) changed = true;
      if (inner !== undefined) rest.push(inner);
    } else {
      rest.push(member);
    }
  }
  if (!changed) return group;
  return rest.length === 0 ? undefined : new NurseryError(rest);
}

/**
 * Brings `effectivelyCancelled` up to date in `root` and every scope below
 * it, and delivers `Cancelled` to the blocked tasks of every scope that
 * became cancelled. Iterative, so a 100 000-deep scope tree is fine.
 *
 * @internal
 */
export function recalculate(root: CancelScope): void {
  const todo: CancelScope[] = [root];
  for (let scope = todo.pop(); scope !== undefined; scope = todo.pop()) {
    const parent = scope._parent;
    const parentVisible = parent !== null && !scope._shield && parent._effectivelyCancelled;
    const effective = scope._cancelCalled || parentVisible;
    if (effective === scope._effectivelyCancelled) continue;
    if (effective && scope._reason === undefined && parentVisible) scope._reason = parent._reason;
    scope._effectivelyCancelled = effective;
    if (effective) {
      for (let task = scope._firstTask; task !== null;) {
        const next = task.nextInScope;
        task.deliverCancel();
        task = next;
      }
      const controller = scope._controller;
      if (controller !== null && !controller.signal.aborted)
        controller.abort(scope._makeCancelled());
    }
    for (let child = scope._firstChild; child !== null; child = child._nextSibling)
      todo.push(child);
  }
}

/** @internal */
export function linkChild(parent: CancelScope, child: CancelScope): void {
  child._parent = parent;
  child._prevSibling = null;
  const first = parent._firstChild;
  child._nextSibling = first;
  if (first !== null) first._prevSibling = child;
  parent._firstChild = child;
}

/** @internal */
export function unlinkChild(child: CancelScope): void {
  const parent = child._parent!;
  const prev = child._prevSibling;
  const next = child._nextSibling;
  if (prev !== null) prev._nextSibling = next;
  else parent._firstChild = next;
  if (next !== null) next._prevSibling = prev;
  child._prevSibling = child._nextSibling = null;
}

/**
 * Makes `scope` the task's innermost scope. Only a blocked task sits in a
 * scope's task list (only a blocked task needs waking by a cancellation; a
 * running or ready task checks its scope when it next suspends or resumes),
 * so entering and leaving scopes costs no list work for a running task.
 *
 * @internal
 */
export function moveTask(task: TaskImpl<unknown>, scope: CancelScope): void {
  if (task.blockedOn !== null) {
    unlinkTask(task);
    task.scope = scope;
    linkTask(task);
  } else {
    task.scope = scope;
  }
}

/** Lists a task that is about to block in its scope, so a cancellation can wake it. @internal */
export function linkTask(task: TaskImpl<unknown>): void {
  // Appended: a cancellation wakes blocked tasks in the order they blocked.
  const scope = task.scope;
  task.nextInScope = null;
  const last = scope._lastTask;
  task.prevInScope = last;
  if (last !== null) last.nextInScope = task;
  else scope._firstTask = task;
  scope._lastTask = task;
}

/** Takes a blocked task off its scope's list (it was woken). Only for a listed task. @internal */
export function unlinkTask(task: TaskImpl<unknown>): void {
  const scope = task.scope;
  const prev = task.prevInScope;
  const next = task.nextInScope;
  if (prev !== null) prev.nextInScope = next;
  else scope._firstTask = next;
  if (next !== null) next.prevInScope = prev;
  else scope._lastTask = prev;
  task.prevInScope = task.nextInScope = null;
}
