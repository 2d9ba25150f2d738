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

/**
 * A task's listener for the promise it waits for. A task waits for one
 * promise at a time, so it keeps one listener (and its two callbacks) and
 * reuses it wait after wait: a task that awaits a million promises
 * allocates one, not a million. Two exceptions take a fresh listener that
 * is never reused: a wait cancelled while its promise is still pending
 * leaves that promise holding the callbacks; and a thenable that is not a
 * native promise may call them more than once, later, when the same
 * listener would already be waiting for another promise.
 */
class PromiseWait implements Blocker {
  /** Listening to a promise that has not settled yet. */
  private pending = false;
  /** The task waits for that promise (until it settles, or a cancellation). */
  private waiting = false;
  controller: AbortController | null = null;
  private readonly fulfilled = (value: unknown): void => this.settle(true, value);
  private readonly rejected = (error: unknown): void => this.settle(false, error);

  private constructor(private readonly task: TaskImpl<unknown>) {}

  /** The task's listener for `promise`: its reusable one if it may be reused. */
  static of(task: TaskImpl<unknown>, promise: PromiseLike<unknown>): PromiseWait {
    // A native `then` calls one of the callbacks, once.
    if (promise.then !== nativeThen) return new PromiseWait(task);
    const cached = task.cachedWait as PromiseWait | null;
    if (cached !== null && !cached.pending) return cached;
    const wait = new PromiseWait(task);
    task.cachedWait = wait;
    return wait;
  }

  listen(promise: PromiseLike<unknown>): void {
    this.pending = this.waiting = true;
    this.task.runtime.pendingPromises++;
    // Both handlers, always: a promise abandoned on cancellation that
    // rejects later is handled, never an unhandled rejection.
    promise.then(this.fulfilled, this.rejected);
  }

  private settle(ok: boolean, value: unknown): void {
    this.pending = false;
    if (!this.waiting) return;
    this.waiting = false;
    this.controller = null;
    this.task.runtime.pendingPromises--;
    // Already in a microtask: drain now rather than queue another one.
    this.task.wakeFromPromise(ok, value);
  }

  abortWait(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.task.runtime.pendingPromises--;
    const controller = this.controller;
    this.controller = null;
    controller?.abort(this.task.scope._makeCancelled());
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
    const wait = PromiseWait.of(task, promise);
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
    const wait = PromiseWait.of(task, this.promise);
    if (task.block(wait)) {
      wait.listen(this.promise);
    } else {
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
