import { describeValue } from "../kernel/describe.js";
import { Instruction, type Operation } from "../kernel/operation.js";
import type { Blocker } from "../kernel/protocols.js";
import type { TaskImpl } from "../kernel/task-impl.js";

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

const nativeThen = Promise.prototype.then;

// A listener's state, as bits of one field.
/** Listening to a promise that has not settled yet. */
const PENDING = 1;
/** The task waits for that promise (until it settles, or a cancellation). */
const WAITING = 2;
/** The promise is native: the listener may be reused once it settled. */
const REUSABLE = 4;

/** Listeners free for the next wait (of any task), at most `POOL_SIZE`. */
const pool: PromiseWait[] = [];
const POOL_SIZE = 1024;

/**
 * A task's listener for the promise it waits for, with its two callbacks.
 * Listeners are pooled: a wait takes one and its promise's settlement gives
 * it back, so in a steady state waiting for a promise allocates no
 * listener and no callback, whether one task awaits a million promises or
 * a million tasks await one each. A listener goes back to the pool only
 * once its promise has settled — a wait cancelled while its promise is
 * pending leaves the listener with that promise until it does — and only
 * if the promise is native: a thenable may call the callbacks more than
 * once, later, and gets a listener of its own that is never reused.
 */
class PromiseWait implements Blocker {
  /** The waiting task; null while the listener is free or abandoned. */
  private task: TaskImpl<unknown> | null = null;
  private state = 0;
  controller: AbortController | null = null;
  private readonly fulfilled = (value: unknown): void => this.settle(true, value);
  private readonly rejected = (error: unknown): void => this.settle(false, error);

  /** A listener for `task`'s wait for `promise`. */
  static take(task: TaskImpl<unknown>, promise: PromiseLike<unknown>): PromiseWait {
    // A native `then` calls one of the callbacks, once.
    const reusable = promise.then === nativeThen;
    const wait = (reusable ? pool.pop() : undefined) ?? new PromiseWait();
    wait.task = task;
    wait.state = reusable ? REUSABLE : 0;
    return wait;
  }

  /** Gives back a listener that never listened (its wait did not start). */
  drop(): void {
    this.task = null;
    this.free();
  }

  listen(promise: PromiseLike<unknown>): void {
    this.state |= PENDING | WAITING;
    this.task!.runtime.pendingPromises++;
    // Both handlers, always: a promise abandoned on cancellation that
    // rejects later is handled, never an unhandled rejection.
    promise.then(this.fulfilled, this.rejected);
  }

  private settle(ok: boolean, value: unknown): void {
    const state = this.state;
    if ((state & PENDING) === 0) return; // a thenable calling back again
    this.state = state & REUSABLE;
    const task = this.task;
    if ((state & WAITING) === 0 || task === null) {
      this.free(); // abandoned by a cancellation: free now
      return;
    }
    this.controller = null;
    this.task = null;
    task.runtime.pendingPromises--;
    this.free();
    // Already in a microtask: drain now rather than queue another one.
    task.wakeFromOutside(ok, value);
  }

  abortWait(): void {
    if ((this.state & WAITING) === 0) return;
    this.state &= ~WAITING;
    const task = this.task!;
    this.task = null; // the abandoned promise keeps the listener, not the task
    task.runtime.pendingPromises--;
    const controller = this.controller;
    this.controller = null;
    controller?.abort(task.scope._makeCancelled());
  }

  private free(): void {
    if ((this.state & REUSABLE) !== 0 && pool.length < POOL_SIZE) pool.push(this);
  }
}

class Call<T> extends Instruction<T> {
  constructor(private readonly fn: (signal: AbortSignal) => PromiseLike<T> | T) {
    super();
  }

  enter(task: TaskImpl<unknown>): void {
    if (task.scope._effectivelyCancelled) {
      // Cancelled already: do not start work that would be abandoned at once.
      task.enterAgainAtTurn();
      return;
    }
    const controller = new AbortController();
    const promise = this.fn(controller.signal);
    if (!isThenable(promise)) {
      task.resumeSync(promise);
      return;
    }
    const wait = PromiseWait.take(task, promise);
    wait.controller = controller;
    task.block(wait);
    wait.listen(promise);
  }
}

class Until<T> extends Instruction<T> {
  constructor(private readonly promise: PromiseLike<T>) {
    super();
  }

  enter(task: TaskImpl<unknown>): void {
    const wait = PromiseWait.take(task, this.promise);
    if (task.block(wait)) {
      wait.listen(this.promise);
    } else {
      wait.drop();
      // Abandoned at once: still handle its rejection.
      this.promise.then(undefined, () => {});
    }
  }
}

/**
 * Calls `fn` with an `AbortSignal` and waits for the promise it returns.
 * A cancellation point: on cancellation the signal aborts (its `reason` is
 * the `Cancelled`), `Cancelled` is raised at once, and the promise is
 * abandoned with its rejection handled — the task does not wait for work
 * that ignores the signal. Inside an already cancelled scope `fn` is not
 * called.
 *
 * If `fn` returns a value that is not a promise, `call` returns it without
 * suspending. If `fn` throws, the error is thrown at the `yield*`.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { call, run } from "@copse/core";
 *
 * // Any promise-returning API that accepts an AbortSignal, like fetch.
 * function fakeFetch(url: string, init: { signal: AbortSignal }): Promise<{ text(): Promise<string> }> {
 *   return new Promise((resolve, reject) => {
 *     const id = setTimeout(() => resolve({ text: async () => `body of ${url}` }), 1);
 *     init.signal.addEventListener("abort", () => {
 *       clearTimeout(id);
 *       reject(init.signal.reason);
 *     });
 *   });
 * }
 * const body = await run(function* () {
 *   return yield* call((signal) => fakeFetch("/a", { signal }).then((r) => r.text()));
 * });
 * assert.equal(body, "body of /a");
 * ```
 */
export function call<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T): Operation<T> {
  if (typeof fn !== "function") {
    throw new TypeError(`call expects a function that returns a promise, got ${describeValue(fn)}`);
  }
  return new Call(fn);
}

/**
 * Waits for a promise that already exists. Like {@link call} without a
 * signal: on cancellation the task stops waiting at once and the promise
 * is abandoned with its rejection handled.
 */
export function until<T>(promise: PromiseLike<T>): Operation<T> {
  if (!isThenable(promise)) {
    throw new TypeError(`until expects a promise, got ${describeValue(promise)}`);
  }
  return new Until(promise);
}
