import { CancelScope, NONE } from "./cancel-scope.js";
import { describeValue } from "./errors.js";
import { requireCurrent } from "./kernel.js";
import { NurseryImpl } from "./nursery.js";
import type { Operation } from "./operation.js";
import type { TaskImpl } from "./task.js";
import { startChild, type OperationInput } from "./all.js";

/** A nursery whose first child to finish wins and cancels the rest. */
class RaceGroup extends NurseryImpl {
  winner: TaskImpl<unknown> | null = null;

  override childFinished(task: TaskImpl<unknown>, absorbed: boolean): void {
    if (this.winner === null) {
      this.winner = task;
      this.cancelScope._cancel({
        source: "nursery",
        reason: "another operation won the race",
        sourceTask: task.name,
      });
    }
    super.childFinished(task, absorbed);
  }
}

/**
 * Runs the operations as child tasks, started eagerly in input order; the
 * first to finish wins: the others are cancelled, `race` waits for their
 * cleanup, then returns the winner's value (or, if the winner failed,
 * throws a {@link NurseryError} with its error). Once a child has finished
 * during its eager first step, the remaining operations are not started.
 *
 * @throws TypeError for an empty input: a race needs at least one operation.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { race, run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 *
 * function* fetchFrom(host: string, latency: number) {
 *   yield* sleep(latency);
 *   return host;
 * }
 * const clock = new VirtualClock();
 * const fastest = await run(() => race([fetchFrom("primary", 80), fetchFrom("mirror", 20)]), { clock });
 * assert.equal(fastest, "mirror");
 * assert.equal(clock.now(), 20); // the loser was cancelled at once
 * ```
 */
export function race<T>(ops: Iterable<OperationInput<T>>): Operation<T> {
  if (ops === null || typeof ops !== "object" || typeof ops[Symbol.iterator] !== "function") {
    throw new TypeError(`race expects an iterable of operations, got ${describeValue(ops)}`);
  }
  return runRace(ops);
}

function* runRace<T>(ops: Iterable<OperationInput<T>>): Generator<unknown, T> {
  const owner = requireCurrent("race");
  const scope = new CancelScope();
  scope._enter(owner);
  const group = new RaceGroup(null, false).join(owner, scope);
  let started = 0;
  try {
    for (const op of ops) {
      if (group.winner !== null) break;
      startChild(group, op, "race");
      started++;
    }
  } catch (error) {
    group.bodyFailed(error);
  }
  yield* group.exitWait;
  const rest = group.finishGroup();
  if (rest !== NONE) throw rest;
  if (started === 0) throw new TypeError("race needs at least one operation");
  const winner = group.winner!;
  if (!winner.succeeded) throw winner.rawResult;
  return winner.rawResult as T;
}
