// Shared by the exit tests of mapConcurrent: sources that record how they
// are used, a sleeping mapping that records cancellations, outcomes.
import { Cancelled, sleep, type Operation, type Task } from "@copse/core";

export type Kind = "sync" | "async";
export const KINDS: readonly Kind[] = ["sync", "async"];

/** What a source saw: items pulled, `return()` calls, `next()` calls after it ended. */
export interface SourceLog {
  pulled: number;
  returns: number;
  nextAfterEnd: number;
}

/** A source of `count` numbers (0, 1, …; endless by default) that records how it is used. */
export function trackedSource(kind: Kind, count = Infinity) {
  const log: SourceLog = { pulled: 0, returns: 0, nextAfterEnd: 0 };
  let ended = false;
  const step = (): IteratorResult<number> => {
    if (ended) {
      log.nextAfterEnd++;
      return { done: true, value: undefined };
    }
    if (log.pulled >= count) {
      ended = true;
      return { done: true, value: undefined };
    }
    return { done: false, value: log.pulled++ };
  };
  const close = (): IteratorResult<number> => {
    log.returns++;
    ended = true;
    return { done: true, value: undefined };
  };
  const source: Iterable<number> | AsyncIterable<number> =
    kind === "sync"
      ? { [Symbol.iterator]: () => ({ next: step, return: close }) }
      : {
          [Symbol.asyncIterator]: () => ({
            next: () => Promise.resolve(step()),
            return: () => Promise.resolve(close()),
          }),
        };
  return { source, log };
}

/**
 * A mapping that sleeps `ms(i)` (a negative duration: sleeps its absolute
 * value, then throws), records the items whose mapping was cancelled.
 */
export function sleeper(ms: (i: number) => number, cancelled: number[]) {
  return function* (i: number): Operation<number> {
    const d = ms(i);
    try {
      yield* sleep(Math.abs(d));
    } catch (error) {
      if (error instanceof Cancelled) cancelled.push(i);
      throw error;
    }
    if (d < 0) throw new Error(`item ${i} failed`);
    return i;
  };
}

/** How `task` ended, once it has (it may fail: the outcome says how). */
export async function outcomeOf<T>(task: Task<T>) {
  await task.then(
    () => undefined,
    () => undefined,
  );
  return task.outcome!;
}
