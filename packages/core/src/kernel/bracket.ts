import { kernel } from "./current.js";
import { generatorNext, isGenerator, toIterator, type Operation } from "./operation.js";
import type { TaskImpl } from "./task-impl.js";

const NEW = 0;
const BODY = 1;
const WAITING = 2;
const FINISHED = 3;

/**
 * An operation that runs a body inside a bracket — a cancel scope, a
 * nursery: `open` before the body's first step, then the body, then
 * optionally a wait (the bracket yields itself as the instruction the task
 * suspends on), then `close` with how the body ended.
 *
 * It does what a generator wrapping `yield* body` would do, as one plain
 * object: no generator and its register file per level, and one JavaScript
 * frame less on every resume through it. It forwards `next`/`throw` to the
 * body's iterator exactly as `yield*` does, so the instructions the body
 * yields pass through untouched.
 *
 * A bracket runs once, like a generator object.
 *
 * @internal
 */
export abstract class Bracket<R> implements Iterator<unknown, R, unknown> {
  private phase = NEW;
  private inner: Iterator<unknown, unknown, unknown> | null = null;
  /** Whether `inner` is a generator object (resumed with a direct call). */
  private native = false;
  private bodyOk = false;
  private bodyResult: unknown = undefined;

  /** Enters the bracket in the current task and returns the body to run. */
  protected abstract open(): Operation<unknown>;

  /**
   * Called when the body has finished. Return `true` to wait before
   * closing: the bracket then suspends the task on itself (`enter`).
   */
  protected abstract afterBody(ok: boolean, result: unknown): boolean;

  /** Leaves the bracket; returns its value or throws. */
  protected abstract close(ok: boolean, result: unknown): R;

  /** The wait after the body, when `afterBody` asked for one. */
  abstract enter(task: TaskImpl<unknown>): void;

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<unknown, R> {
    switch (this.phase) {
      case NEW: {
        this.phase = BODY;
        const inner = (this.inner = toIterator(this.open(), "the body"));
        // A body is often a fresh `function*` closure, so `inner.next`
        // would be a megamorphic lookup on every resume.
        this.native = isGenerator(inner);
        return this.forward(false, undefined);
      }
      case BODY:
        return this.forward(false, value);
      case WAITING:
        // Resumed after the wait (the driver hands the bracket back as the
        // instruction it was suspended on).
        if ((kernel.resuming as unknown) === this) kernel.resuming = null;
        return this.finish();
      default:
        return { done: true, value: undefined as R };
    }
  }

  throw(error: unknown): IteratorResult<unknown, R> {
    if (this.phase === BODY) return this.forward(true, error);
    throw error;
  }

  return(value?: unknown): IteratorResult<unknown, R> {
    return { done: true, value: value as R };
  }

  private forward(isThrow: boolean, value: unknown): IteratorResult<unknown, R> {
    const inner = this.inner!;
    let r: IteratorResult<unknown, unknown>;
    try {
      if (!isThrow) r = this.native ? generatorNext.call(inner, value) : inner.next(value);
      else if (typeof inner.throw === "function") r = inner.throw(value);
      else throw value;
    } catch (error) {
      return this.bodyEnded(false, error);
    }
    if (r.done !== true) return r as IteratorResult<unknown, R>;
    return this.bodyEnded(true, r.value);
  }

  private bodyEnded(ok: boolean, result: unknown): IteratorResult<unknown, R> {
    this.inner = null;
    this.bodyOk = ok;
    this.bodyResult = result;
    if (this.afterBody(ok, result)) {
      this.phase = WAITING;
      kernel.yielded = this as never;
      return { done: false, value: this };
    }
    return this.finish();
  }

  private finish(): IteratorResult<unknown, R> {
    this.phase = FINISHED;
    const result = this.bodyResult;
    this.bodyResult = undefined;
    return { done: true, value: this.close(this.bodyOk, result) };
  }
}
