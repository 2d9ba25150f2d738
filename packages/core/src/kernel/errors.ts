import { describeError, describeValue } from "./describe.js";

/**
 * Why a cancel scope was cancelled. Kept on the scope (the first cause wins)
 * and copied into every {@link Cancelled} it delivers.
 *
 * - `"explicit"`: `scope.cancel()`, `nursery.cancel()` or `task.cancel()`;
 * - `"deadline"`: the scope's deadline passed;
 * - `"nursery"`: a child or the body of the nursery failed;
 * - `"signal"`: the `AbortSignal` given to `run` aborted.
 */
export type CancelSource = "explicit" | "deadline" | "nursery" | "signal";

/** @internal */
export interface CancelReason {
  readonly source: CancelSource;
  readonly reason: unknown;
  readonly sourceTask: string | undefined;
}

function describeReason(reason: unknown): string {
  return typeof reason === "string" ? `'${reason}'` : describeValue(reason);
}

/**
 * What a cancelled task sees at a suspension point: copse throws it into the
 * task (never `generator.return()`), so `catch` and `finally` blocks run to
 * the end. Code may catch it to clean up and must rethrow it; the cancel
 * scope that caused it absorbs it when it reaches that scope's end.
 *
 * Its message follows Trio: `cancelled due to <source>[ with reason
 * '<reason>'][ from task <name>]`.
 */
export class Cancelled extends Error {
  /** What triggered the cancellation. */
  readonly source: CancelSource;
  /** The `reason` given to `cancel(reason)`, or a description for automatic causes. */
  readonly reason: unknown;
  /** The name of the task that called `cancel()` or failed, when known. */
  readonly sourceTask: string | undefined;

  constructor(source: CancelSource = "explicit", reason?: unknown, sourceTask?: string) {
    let message = `cancelled due to ${source}`;
    if (reason !== undefined) message += ` with reason ${describeReason(reason)}`;
    if (sourceTask !== undefined) message += ` from task ${sourceTask}`;
    super(message);
    this.name = "Cancelled";
    this.source = source;
    this.reason = reason;
    this.sourceTask = sourceTask;
  }
}

/**
 * What a nursery throws when its body or any child failed: always a group,
 * even for one failure (Trio's strict rule). `errors` holds every failure in
 * the order it happened, the same objects that were thrown.
 *
 * A {@link Cancelled} can sit among the members only while the cancellation
 * it belongs to has not reached its own scope; that scope removes it, and a
 * group left with no member disappears.
 */
export class NurseryError extends AggregateError {
  /** Every failure of the body and the children, in the order they happened. */
  declare readonly errors: unknown[];

  constructor(errors: readonly unknown[], message?: string) {
    super(
      errors,
      message ??
        `${errors.length} ${errors.length === 1 ? "error" : "errors"} in nursery: ${errors
          .map(describeError)
          .join("; ")}`,
    );
    this.name = "NurseryError";
  }
}
