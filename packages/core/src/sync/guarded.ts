import { describeValue } from "../kernel/describe.js";
import type { Operation } from "../kernel/operation.js";

/** What `withLock`, `withPermit` and `withToken` run: an operation, or a function returning one. */
export type GuardedBody<T> = Operation<T> | (() => Operation<T>);

/** Checks a guarded body at the call, so a mistake is reported before anything waits. @internal */
export function checkBody(body: unknown, what: string): void {
  if (typeof body === "function") return;
  if (body !== null && typeof body === "object" && Symbol.iterator in body) return;
  throw new TypeError(
    `${what} expects an operation or a function that returns one, got ${describeValue(body)}`,
  );
}

/**
 * Acquires, runs `body`, and releases however the body ends (value,
 * error, `Cancelled`). One generator function for every primitive, so the
 * driver's calls stay monomorphic.
 *
 * @internal
 */
export function* runGuarded<T>(
  acquire: Operation<void>,
  resource: { release(): void },
  body: GuardedBody<T>,
): Generator<unknown, T> {
  yield* acquire;
  try {
    const op = typeof body === "function" ? body() : body;
    if (op === null || typeof op !== "object" || !(Symbol.iterator in op)) {
      throw new TypeError(
        `the body must return an operation (a generator object, e.g. from a function*), got ${describeValue(op)}`,
      );
    }
    return yield* op;
  } finally {
    resource.release();
  }
}
