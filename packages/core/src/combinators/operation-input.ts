import { describeValue } from "../kernel/describe.js";
import type { Operation } from "../kernel/operation.js";

/** An operation, or a function that returns one: what `all` and `race` accept. */
export type OperationInput<T> = Operation<T> | (() => Operation<T>);

/** Checks one input item; returns what a task can start from. @internal */
export function checkInput<T>(item: OperationInput<T>, what: string): OperationInput<T> {
  // An object that is not an operation fails its task's first step with a
  // clear TypeError (`iteratorOf`); checking here too would cost a lookup
  // per child on the hot path.
  if (typeof item === "function" || (item !== null && typeof item === "object")) return item;
  throw new TypeError(
    `${what} expects operations or functions that return operations, got ${describeValue(item)}`,
  );
}

/** The `TypeError` for an input that is not iterable. @internal */
export function checkIterable<T>(ops: Iterable<OperationInput<T>>, what: string): void {
  if (ops === null || typeof ops !== "object" || typeof ops[Symbol.iterator] !== "function") {
    throw new TypeError(`${what} expects an iterable of operations, got ${describeValue(ops)}`);
  }
}
