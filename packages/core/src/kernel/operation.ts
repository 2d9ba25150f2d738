import { kernel } from "./current.js";
import { describeValue } from "./describe.js";
import type { TaskImpl } from "./task-impl.js";

/**
 * A unit of work that runs under copse: any object with
 * `[Symbol.iterator]()`, used with `yield*`. A generator object from a
 * `function*` is one; so are the values returned by `sleep`, `call`,
 * `nursery` and every other primitive.
 *
 * Write operations as generator functions and compose them with `yield*`:
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { call, run, type Operation } from "@copse/core";
 *
 * const fetchText = async (path: string, _signal: AbortSignal) => `text of ${path}`;
 *
 * function* fetchBoth(): Operation<[string, string]> {
 *   const a = yield* call((signal) => fetchText("/a", signal));
 *   const b = yield* call((signal) => fetchText("/b", signal));
 *   return [a, b];
 * }
 * assert.deepEqual(await run(fetchBoth), ["text of /a", "text of /b"]);
 * ```
 *
 * Yielding an operation with plain `yield` (a common slip) raises a
 * `TypeError` at that `yield` that says to use `yield*`.
 */
export interface Operation<T> {
  /** The iterator the driver steps; a generator object returns itself. */
  [Symbol.iterator](): Iterator<unknown, T, unknown>;
}

/** Marks copse instructions across copies of the package (dual installs). @internal */
export const INSTRUCTION_BRAND: unique symbol = Symbol.for("copse.instruction") as never;

/**
 * A primitive suspension: the object a task hands to the driver when it
 * `yield*`s a primitive. It is its own iterator and holds no per-iteration
 * state (the driver tells it whether it is being resumed), so one
 * instruction object may be `yield*`ed any number of times, by any number of
 * tasks, even concurrently.
 *
 * Protocol with the driver (`task-impl.ts`):
 * - first `next()`: the instruction records itself in `kernel.yielded` and
 *   yields itself; the driver checks that mark, which is how a plain `yield`
 *   of anything is told apart from `yield*` of an instruction;
 * - the driver calls `enter(task)`, which either suspends the task or
 *   resumes it synchronously (`task.resumeSync`);
 * - on resumption the driver sets `kernel.resuming` to this instruction
 *   and calls `next(value)`: the instruction clears the mark and returns
 *   `result(value)` as the value of the `yield*` expression — unless the
 *   value is {@link ENTER_AGAIN}: then it yields itself again, as on the
 *   first `next()`, and the driver enters it afresh.
 *
 * @internal
 */
/**
 * The value a task resumes with when its wait has not happened yet and must
 * start now: it yielded inside a cancelled scope, and at its turn a shield
 * hid the cancellation (`TaskImpl.enterAgainAtTurn`).
 *
 * @internal
 */
export const ENTER_AGAIN: unique symbol = Symbol("copse.enterAgain");

/**
 * The one result object every instruction completes its `yield*` with: the
 * `yield*` (or the driver, for a task whose body is an instruction) reads
 * `value` at once and never keeps the object, so one reused object spares
 * an allocation per wait. Its `value` is cleared when the next wait starts
 * (`Instruction.next`), so it keeps a value alive no longer than that.
 */
const completion: { done: true; value: unknown } = { done: true, value: undefined };

export abstract class Instruction<T = unknown> implements Iterator<unknown, T, unknown> {
  declare readonly [INSTRUCTION_BRAND]: true;

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<unknown, T> {
    if (kernel.resuming === this) {
      kernel.resuming = null;
      if (value !== ENTER_AGAIN) {
        completion.value = this.result(value);
        return completion as IteratorResult<unknown, T>;
      }
    }
    completion.value = undefined;
    kernel.yielded = this;
    return this.suspension();
  }

  /** The result that yields this instruction up to the driver. */
  protected suspension(): IteratorResult<unknown, T> {
    return { done: false, value: this };
  }

  throw(error: unknown): IteratorResult<unknown, T> {
    throw error;
  }

  return(value?: unknown): IteratorResult<unknown, T> {
    return { done: true, value: value as T };
  }

  /** Turns the value the task was resumed with into the `yield*` result. */
  protected result(value: unknown): T {
    return value as T;
  }

  /** Suspends `task` on this instruction, or resumes it synchronously. */
  abstract enter(task: TaskImpl<unknown>): void;
}
Object.defineProperty(Instruction.prototype, INSTRUCTION_BRAND, { value: true });

/**
 * An instruction meant to be shared (a singleton, or the cached
 * `sleep(ms)`): it reuses one result object to yield itself. `yield*` only
 * reads that object, and every suspended generator frame keeps the last
 * one it passed up, so a sleeping task holds one object less.
 *
 * @internal
 */
export abstract class SharedInstruction<T = unknown> extends Instruction<T> {
  private readonly yielding: IteratorResult<unknown, T> = { done: false, value: this };

  protected override suspension(): IteratorResult<unknown, T> {
    return this.yielding;
  }
}

/** The `TypeError` for a value yielded without `yield*`. @internal */
export function plainYieldError(value: unknown): TypeError {
  const isOperation =
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
  if (isOperation) {
    if (
      (value as { [INSTRUCTION_BRAND]?: unknown })[INSTRUCTION_BRAND] === true &&
      !(value instanceof Instruction)
    ) {
      return new TypeError(
        "a task yielded an operation of another copy of @copse/core; two copies of the package " +
          "cannot drive each other's tasks: dedupe @copse/core so that one copy is installed",
      );
    }
    return new TypeError(
      "a task yielded an operation with plain `yield`; operations must be delegated to with " +
        "`yield*` (did you mean `yield* op` instead of `yield op`?)",
    );
  }
  return new TypeError(
    `a task yielded ${describeValue(value)}; tasks may only \`yield*\` operations ` +
      "(use `yield* call(() => promise)` to wait for a promise)",
  );
}

const GENERATOR_PROTOTYPE = Object.getPrototypeOf(function* () {}.prototype) as Generator;

/**
 * Whether a value inherits from `%GeneratorPrototype%`, i.e. is a
 * generator object — which is its own iterator. The driver and the
 * nursery bracket check this before anything else: it avoids a
 * `[Symbol.iterator]` lookup, which goes megamorphic when many generator
 * functions are in play (each has its own prototype), and tells them to
 * resume with {@link generatorNext}. Everything else goes through
 * {@link iteratorOf}. A generator function whose `prototype` overrides
 * `[Symbol.iterator]` is not supported.
 *
 * @internal
 */
export const isGenerator = Object.prototype.isPrototypeOf.bind(GENERATOR_PROTOTYPE) as (
  value: unknown,
) => boolean;

/**
 * `%GeneratorPrototype%.next`, to resume a generator with a direct call:
 * `generator.next` is a megamorphic lookup when generators of many
 * functions pass through one call site (each function has its own
 * prototype, so its generators have their own shape).
 *
 * @internal
 */
export const generatorNext = GENERATOR_PROTOTYPE.next as (
  this: Iterator<unknown, unknown, unknown>,
  value?: unknown,
) => IteratorResult<unknown, unknown>;

/** The iterator of an operation that is not a generator object, or a clear `TypeError`. @internal */
export function iteratorOf<T>(
  op: Operation<T> | undefined,
  what: string,
): Iterator<unknown, T, unknown> {
  const make =
    op !== null && op !== undefined ? (op as Partial<Operation<T>>)[Symbol.iterator] : undefined;
  if (typeof make !== "function") {
    throw new TypeError(
      `${what} must return an operation (a generator object, e.g. from a function*), got ${describeValue(op)}` +
        (op !== null && typeof (op as { then?: unknown } | undefined)?.then === "function"
          ? "; to wait for a promise use call() or until()"
          : ""),
    );
  }
  return make.call(op);
}
