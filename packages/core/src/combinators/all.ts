import { kernel, requireCurrent } from "../kernel/current.js";
import { startEagerly } from "../kernel/eager.js";
import { Cancelled } from "../kernel/errors.js";
import { TaskGroup } from "../kernel/group.js";
import type { Operation } from "../kernel/operation.js";
import { NONE } from "../kernel/cancel-scope.js";
import { TaskImpl } from "../kernel/task-impl.js";
import { checkInput, checkIterable, type OperationInput } from "./operation-input.js";

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
  checkIterable(ops, "all");
  return new Gather(ops);
}

/**
 * The operation `all` returns: a plain iterator rather than a generator,
 * so a gather costs no generator object. It runs once, like a generator.
 */
class Gather<T> implements Iterator<unknown, T[], unknown> {
  private started = false;
  private group: TaskGroup | null = null;
  private pending: (TaskImpl<T> | null)[] | null = null;
  private values: T[] = [];

  /**
   * The input until the gather starts. Dropped then: while the children
   * wait, the array (and the thunks in it, with what they capture) would
   * otherwise stay alive for nothing.
   */
  private ops: Iterable<OperationInput<T>> | null;

  constructor(ops: Iterable<OperationInput<T>>) {
    this.ops = ops;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<unknown, T[]> {
    if (!this.started) {
      this.started = true;
      return this.start();
    }
    // Resumed after waiting for the group (a gather runs once, like a generator).
    if (this.group === null || (kernel.resuming as unknown) !== this.group) {
      return { done: true, value: undefined as never };
    }
    kernel.resuming = null;
    return { done: true, value: this.collect() };
  }

  throw(error: unknown): IteratorResult<unknown, T[]> {
    throw error;
  }

  return(value?: unknown): IteratorResult<unknown, T[]> {
    return { done: true, value: value as T[] };
  }

  private start(): IteratorResult<unknown, T[]> {
    const owner = requireCurrent("all");
    const ops = this.ops!;
    this.ops = null;
    const values: T[] = (this.values = Array.isArray(ops) ? new Array<T>(ops.length) : []);
    let count = 0;
    // The group (nursery) is opened only when a child suspends or fails: a
    // gather whose children all finish during their eager steps allocates
    // nothing but the children. Children run in the owner's scope, which is
    // what a group scope would inherit anyway; the group creates a scope of
    // its own only when it must cancel them (a child failed).
    let group: TaskGroup | null = null;
    let pending: (TaskImpl<T> | null)[] | null = null;
    try {
      for (const op of ops) {
        const input = checkInput(op, "all");
        if (group !== null) {
          const child = group.startChild(input);
          // A child done during its eager step is not kept: while the others
          // wait, only the value needs to stay alive.
          if (child.succeeded) values[count] = child.rawResult as T;
          else pending![count] = child;
          count++;
          continue;
        }
        const scope = owner.scope;
        const task = new TaskImpl<T>(null, scope, input, undefined);
        startEagerly(task as TaskImpl<unknown>);
        if (task.succeeded) {
          values[count++] = task.rawResult as T;
          continue;
        }
        group = new TaskGroup(false).join(owner);
        pending = new Array<TaskImpl<T> | null>(Math.max(values.length, count + 1)).fill(null);
        if (task.done) {
          const handle = (task as TaskImpl<unknown>).handle;
          group.recordEnd(task as TaskImpl<unknown>, handle !== null && handle._absorbsAtTaskEnd());
        } else {
          group.adoptStarted(task as TaskImpl<unknown>);
        }
        pending[count++] = task;
      }
    } catch (error) {
      group ??= new TaskGroup(false).join(owner);
      group.bodyFailed(error);
    }
    if (values.length !== count) values.length = count; // the iterable was not an array, or changed
    if (group === null) return { done: true, value: values };
    this.group = group;
    this.pending = pending;
    if (group.awaitChildren()) return { done: false, value: group };
    return { done: true, value: this.collect() };
  }

  private collect(): T[] {
    const rest = this.group!.finishGroup();
    if (rest !== NONE) throw rest;
    const values = this.values;
    const pending = this.pending!;
    for (let i = 0; i < pending.length; i++) {
      const task = pending[i];
      if (task === null || task === undefined) continue;
      // A child that ended with a `Cancelled` its group absorbed has no value.
      if (!task.succeeded) throw task.cancelled ? task.rawResult : new Cancelled();
      values[i] = task.rawResult as T;
    }
    return values;
  }
}
