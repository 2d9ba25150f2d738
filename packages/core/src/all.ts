import { CancelScope, NONE } from "./cancel-scope.js";
import { Cancelled, describeValue } from "./errors.js";
import { requireCurrent } from "./kernel.js";
import { NurseryImpl, startEagerly } from "./nursery.js";
import type { Operation } from "./operation.js";
import type { TaskImpl } from "./task.js";

/** An operation, or a function that returns one: what `all` and `race` accept. */
export type OperationInput<T> = Operation<T> | (() => Operation<T>);

/** Checks one input item; returns what a task can start from. @internal */
export function checkInput<T>(item: OperationInput<T>, what: string): OperationInput<T> {
  if (typeof item === "function") return item;
  if (item !== null && typeof item === "object" && typeof item[Symbol.iterator] === "function")
    return item;
  throw new TypeError(
    `${what} expects operations or functions that return operations, got ${describeValue(item)}`,
  );
}

/** Starts `input` eagerly as a child of `group`. @internal */
export function startChild<T>(
  group: NurseryImpl,
  input: OperationInput<T>,
  what: string,
): TaskImpl<T> {
  const task = group.spawn(checkInput(input, what), undefined, "");
  startEagerly(task as TaskImpl<unknown>);
  return task;
}

/**
 * Eager gather: starts every operation as a child task, eagerly and in
 * input order, waits for all of them and returns their values in input
 * order. If every child finishes during its eager first step, `all`
 * returns without suspending: no promise, no microtask, no run-queue turn
 * (CPython's eager `gather`, gh-104144).
 *
 * Fails like a nursery: the first failure cancels the other children, `all`
 * waits for them, then throws a {@link NurseryError} of every failure.
 * Cancellation from outside cancels every child.
 *
 * ```ts
 * const [user, posts] = yield* all([fetchUser(id), fetchPosts(id)]);
 * ```
 */
export function all<T>(ops: Iterable<OperationInput<T>>): Operation<T[]> {
  if (ops === null || typeof ops !== "object" || typeof ops[Symbol.iterator] !== "function") {
    throw new TypeError(`all expects an iterable of operations, got ${describeValue(ops)}`);
  }
  return gather(ops);
}

function* gather<T>(ops: Iterable<OperationInput<T>>): Generator<unknown, T[]> {
  const owner = requireCurrent("all");
  const scope = new CancelScope();
  scope._enter(owner);
  const group = new NurseryImpl(owner, scope, false);
  const tasks: TaskImpl<T>[] = [];
  try {
    for (const op of ops) tasks.push(startChild(group, op, "all"));
  } catch (error) {
    group.bodyFailed(error);
  }
  yield* group.exitWait;
  const rest = group.close();
  if (rest !== NONE) throw rest;
  const values = new Array<T>(tasks.length);
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    // A child that ended with a `Cancelled` its group absorbed has no value.
    if (!task.succeeded) throw task.cancelled ? task.rawResult : new Cancelled();
    values[i] = task.rawResult as T;
  }
  return values;
}
