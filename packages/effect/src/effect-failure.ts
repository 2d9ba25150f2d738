import { Cause } from "effect";
import { describeError } from "./describe.js";

function describeReason(reason: Cause.Reason<unknown>): string {
  switch (reason._tag) {
    case "Fail":
      return `failed with ${describeError(reason.error)}`;
    case "Die":
      return `died with ${describeError(reason.defect)}`;
    case "Interrupt":
      return reason.fiberId === undefined
        ? "was interrupted"
        : `was interrupted by fiber #${reason.fiberId}`;
  }
}

function describeCause(cause: Cause.Cause<unknown>): string {
  const [first, ...rest] = cause.reasons;
  if (first === undefined) return "the Effect failed with an empty Cause";
  const more = rest.length === 0 ? "" : ` (and ${rest.length} more, see .cause)`;
  return `the Effect ${describeReason(first)}${more}`;
}

/**
 * What {@link runEffect} throws when its Effect does not succeed: a typed
 * failure (`Effect.fail`), a defect (`Effect.die`, a thrown exception) or
 * an interruption that came from inside the Effect (`Effect.interrupt`).
 *
 * - `cause` is the fiber's full `Cause`, every reason of it, as Effect
 *   reported it (it is also the standard `Error.cause`);
 * - `error` is its first typed error (the `E` of `Effect<A, E>`), or
 *   `undefined` when the Cause holds no `Fail` (only defects or
 *   interruptions).
 *
 * When an `EffectFailure` leaves a copse operation that runs inside Effect
 * ({@link fromOperation}), the Effect fails with the original `cause`
 * again, so a round trip through copse changes nothing.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "@copse/core";
 * import { EffectFailure, runEffect } from "@copse/effect";
 * import { Cause, Effect } from "effect";
 *
 * class OutOfStock {
 *   readonly _tag = "OutOfStock";
 *   constructor(readonly sku: string) {}
 * }
 *
 * const task = run(() => runEffect(Effect.fail(new OutOfStock("A-1"))));
 * assert.equal(task.done, true); // Effect.fail completes at once
 * const failure = task.outcome?.status === "error" ? task.outcome.error : undefined;
 * assert.ok(failure instanceof EffectFailure);
 * assert.ok(failure.error instanceof OutOfStock);
 * assert.equal(failure.error.sku, "A-1");
 * assert.equal(Cause.hasFails(failure.cause), true);
 * assert.equal(failure.message, "the Effect failed with an object (OutOfStock)");
 * ```
 */
export class EffectFailure<E = unknown> extends Error {
  /** The fiber's full Cause. */
  declare readonly cause: Cause.Cause<E>;
  /** The first typed error of the Cause, or `undefined` if it has none. */
  readonly error: E | undefined;

  constructor(cause: Cause.Cause<E>) {
    super(describeCause(cause), { cause });
    this.name = "EffectFailure";
    const fail = cause.reasons.find(Cause.isFailReason);
    this.error = fail === undefined ? undefined : fail.error;
  }
}
