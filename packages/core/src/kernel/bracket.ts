import { kernel } from "./current.js";
import { generatorNext, isGenerator, iteratorOf, type Operation } from "./operation.js";
import type { TaskImpl } from "./task-impl.js";

// The phases, in the low bits of `Bracket.bits`.
const NEW = 0;
const BODY = 1;
const WAITING = 2;
const FINISHED = 3;
const PHASE = 3;
/** `inner` is a generator object (resumed with a direct call). */
const NATIVE = 4;
/** The body returned (rather than threw). */
const BODY_OK = 8;

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
  /** The phase and the NATIVE and BODY_OK bits: one field, not three, in every nursery. */
  private bits = NEW;
  private inner: Iterator<unknown, unknown, unknown> | null = null;
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
    switch (this.bits & PHASE) {
      case NEW: {
        this.bits = BODY;
        const body = this.open();
        // A body is often a fresh `function*` closure, so `inner.next`
        // would be a megamorphic lookup on every resume (see `isGenerator`).
        if (isGenerator(body)) {
          this.inner = body as unknown as Iterator<unknown, unknown, unknown>;
          this.bits = BODY | NATIVE;
        } else {
          const inner = (this.inner = iteratorOf(body, "the body"));
          if (isGenerator(inner)) this.bits = BODY | NATIVE;
        }
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
    if ((this.bits & PHASE) === BODY) return this.forward(true, error);
    throw error;
  }

  return(value?: unknown): IteratorResult<unknown, R> {
    return { done: true, value: value as R };
  }

  private forward(isThrow: boolean, value: unknown): IteratorResult<unknown, R> {
    const inner = this.inner!;
    let r: IteratorResult<unknown, unknown>;
    try {
      if (!isThrow)
        r = (this.bits & NATIVE) !== 0 ? generatorNext.call(inner, value) : inner.next(value);
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
    this.bits = ok ? BODY | BODY_OK : BODY;
    this.bodyResult = result;
    if (this.afterBody(ok, result)) {
      this.bits = (this.bits & BODY_OK) | WAITING;
      kernel.yielded = this as never;
      return { done: false, value: this };
    }
    return this.finish();
  }

  private finish(): IteratorResult<unknown, R> {
    const ok = (this.bits & BODY_OK) !== 0;
    this.bits = FINISHED;
    const result = this.bodyResult;
    this.bodyResult = undefined;
    return { done: true, value: this.close(ok, result) };
  }
}
