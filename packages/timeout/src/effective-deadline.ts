import { currentEffectiveDeadline as effectiveDeadlineOfCurrentTask } from "@copse/core/internal";

/**
 * The earliest deadline (absolute ms on the runtime's clock) that applies
 * to the current task right now — Trio's `current_effective_deadline()`.
 *
 * - `Infinity` when no enclosing scope has a deadline;
 * - `-Infinity` when the task is inside a scope that is cancelled now (and
 *   not hidden by a shield): its next suspension raises `Cancelled`;
 * - a shielded scope hides the deadlines (and the cancellation) of the
 *   scopes that enclose it, but not its own deadline or those inside it.
 *
 * Use it to pass a deadline on to work outside copse, e.g. as a timeout
 * header of a request. It does not suspend. During the eager first step of
 * a task started with `n.startTask` it reports the new task's deadlines:
 * those of the nursery the task was started in and of the scopes the task
 * itself entered — never those of scopes the caller entered inside that
 * nursery.
 *
 * @throws Error when called outside a copse task.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { CancelScope, run } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 * import { currentEffectiveDeadline, moveOnAfter, moveOnAt } from "@copse/timeout";
 *
 * const seen: number[] = [];
 * run(function* () {
 *   seen.push(currentEffectiveDeadline());
 *   yield* moveOnAt(5_000, () =>
 *     moveOnAfter(10_000, function* () {
 *       seen.push(currentEffectiveDeadline()); // the earlier one wins
 *       yield* new CancelScope({ shield: true }).run(function* () {
 *         seen.push(currentEffectiveDeadline()); // outer deadlines hidden
 *       });
 *     }),
 *   );
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(seen, [Infinity, 5_000, Infinity]);
 * ```
 */
export function currentEffectiveDeadline(): number {
  return effectiveDeadlineOfCurrentTask();
}
