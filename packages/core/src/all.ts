import { CancelScope, NONE, attachTask } from "./cancel-scope.js";
import { Cancelled, describeValue } from "./errors.js";
import { requireCurrent } from "./kernel.js";
import { NurseryImpl, startEagerly } from "./nursery.js";
import type { Operation } from "./operation.js";
import { TaskImpl } from "./task.js";

/** An operation, or a function that returns one: what `all` and `race` accept. */
export type OperationInput<T> = Operation<T> | (() => Operation<T>);

/** Checks one input item; returns what a task can start from. @internal */
export function checkInput<T>(item: OperationInput<T>, what: string): OperationInput<T> {
  // An object that is not an operation fails its task's first step with a
  // clear TypeError (`toIterator`); checking here too would cost a lookup
  // per child on the hot path.
  if (typeof item === "function" || (item !== null && typeof item === "object")) return item;
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
 * import assert from "node:assert/strict";
 * import { all, run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 *
 * function* fetchUser(id: number) {
 *   yield* sleep(30);
 *   return { id, name: "ada" };
 * }
 * function* fetchPosts(id: number) {
 *   yield* sleep(20);
 *   return [`post by ${id}`];
 * }
 * const clock = new VirtualClock();
 * const [user, posts] = await run(() => all<unknown>([fetchUser(7), fetchPosts(7)]), { clock });
 * assert.deepEqual(user, { id: 7, name: "ada" });
 * assert.deepEqual(posts, ["post by 7"]);
 * assert.equal(clock.now(), 30); // concurrently
 * ```
 */
export function all<T>(ops: Iterable<OperationInput<T>>): Operation<T[]> {
  if (ops === null || typeof ops !== "object" || typeof ops[Symbol.iterator] !== "function") {
    throw new TypeError(`all expects an iterable of operations, got ${describeValue(ops)}`);
  }
  return gather(ops);
}

/** Opens the group of an `all` (or `race`): a scope entered by the owner and its nursery. */
function openGroup(owner: TaskImpl<unknown>): NurseryImpl {
  const scope = new CancelScope();
  scope._enter(owner);
  return new NurseryImpl(null, false).join(owner, scope);
}

function* gather<T>(ops: Iterable<OperationInput<T>>): Generator<unknown, T[]> {
  const owner = requireCurrent("all");
  const values: T[] = Array.isArray(ops) ? new Array<T>(ops.length) : [];
  let count = 0;
  // The group (scope + nursery) is opened only when a child suspends or
  // fails: a gather whose children all finish during their eager steps
  // allocates nothing but the children. Until then the children run in the
  // owner's scope, which is what the group's scope would inherit anyway; a
  // child that suspends is moved under the group when it is opened.
  let group: NurseryImpl | null = null;
  let pending: (TaskImpl<T> | null)[] | null = null;
  try {
    for (const op of ops) {
      const input = checkInput(op, "all");
      if (group !== null) {
        pending!.push(startChild(group, input, "all"));
        count++;
        continue;
      }
      const scope = owner.scope;
      const task = new TaskImpl<T>(null, scope, input, undefined);
      attachTask(task as TaskImpl<unknown>, scope);
      startEagerly(task as TaskImpl<unknown>);
      if (task.succeeded) {
        values[count++] = task.rawResult as T;
        continue;
      }
      group = openGroup(owner);
      pending = new Array<TaskImpl<T> | null>(count).fill(null);
      if (task.done) {
        const handle = (task as TaskImpl<unknown>).handle;
        group.recordEnd(task as TaskImpl<unknown>, handle !== null && handle._absorbsAtTaskEnd());
      } else {
        group.adoptStarted(task as TaskImpl<unknown>);
      }
      pending.push(task);
      count++;
    }
  } catch (error) {
    group ??= openGroup(owner);
    group.bodyFailed(error);
  }
  if (values.length !== count) values.length = count; // the iterable was not an array, or changed
  if (group === null) return values;
  yield* group.exitWait;
  const rest = group.finishGroup();
  if (rest !== NONE) throw rest;
  for (let i = 0; i < pending!.length; i++) {
    const task = pending![i];
    if (task === null || task === undefined) continue;
    // A child that ended with a `Cancelled` its group absorbed has no value.
    if (!task.succeeded) throw task.cancelled ? task.rawResult : new Cancelled();
    values[i] = task.rawResult as T;
  }
  return values;
}
