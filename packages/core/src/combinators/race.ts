import { kernel, requireCurrent } from "../kernel/current.js";
import { TaskGroup } from "../kernel/group.js";
import type { Operation } from "../kernel/operation.js";
import { NONE } from "../kernel/cancel-scope.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { checkInput, checkIterable, type OperationInput } from "./operation-input.js";

/** A nursery whose first child to finish wins and cancels the rest. */
class RaceGroup extends TaskGroup {
  winner: TaskImpl<unknown> | null = null;

  override childFinished(task: TaskImpl<unknown>, absorbed: boolean): void {
    const first = this.winner === null;
    if (first) this.winner = task;
    super.childFinished(task, absorbed);
    if (first && this.childCount > 0) {
      this.groupScope()._cancel({
        source: "nursery",
        reason: "another operation won the race",
        sourceTask: task.name,
      });
    }
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
  checkIterable(ops, "race");
  return new Race(ops);
}

/** The operation `race` returns (a plain iterator, like `all`'s). */
class Race<T> implements Iterator<unknown, T, unknown> {
  private group: RaceGroup | null = null;
  private started = 0;

  constructor(private readonly ops: Iterable<OperationInput<T>>) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<unknown, T> {
    if (this.group === null) return this.start();
    // Resumed after waiting for the group (a race runs once, like a generator).
    if ((kernel.resuming as unknown) !== this.group)
      return { done: true, value: undefined as never };
    kernel.resuming = null;
    return { done: true, value: this.finish() };
  }

  throw(error: unknown): IteratorResult<unknown, T> {
    throw error;
  }

  return(value?: unknown): IteratorResult<unknown, T> {
    return { done: true, value: value as T };
  }

  private start(): IteratorResult<unknown, T> {
    const owner = requireCurrent("race");
    const group = (this.group = new RaceGroup(false).join(owner));
    try {
      for (const op of this.ops) {
        if (group.winner !== null) break;
        group.startChild(checkInput(op, "race"));
        this.started++;
      }
    } catch (error) {
      group.bodyFailed(error);
    }
    if (group.awaitChildren()) return { done: false, value: group };
    return { done: true, value: this.finish() };
  }

  private finish(): T {
    const group = this.group!;
    const rest = group.finishGroup();
    if (rest !== NONE) throw rest;
    if (this.started === 0) throw new TypeError("race needs at least one operation");
    const winner = group.winner!;
    if (!winner.succeeded) throw winner.rawResult;
    return winner.rawResult as T;
  }
}
