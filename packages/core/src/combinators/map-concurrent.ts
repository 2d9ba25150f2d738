import { realClock } from "../kernel/clock.js";
import { describeValue } from "../kernel/describe.js";
import type { Operation } from "../kernel/operation.js";
import { startRoot } from "../kernel/root.js";
import type { Task } from "../kernel/task.js";
import { action } from "../primitives/action.js";
import { until } from "../primitives/call.js";
import { nursery, type NurseryImpl } from "../primitives/nursery.js";

/** Options of {@link mapConcurrent}. */
export interface MapConcurrentOptions {
  /** How many calls of the mapping function may be in flight at once (a positive integer). */
  limit: number;
}

/**
 * The results of {@link mapConcurrent}, in completion order. Consume them
 * from an operation with `forEach`, or from async code with `for await`.
 * Each consumption runs the mapping from the start; nothing runs until then.
 */
export interface ConcurrentResults<R> extends AsyncIterable<R> {
  /**
   * Runs the mapping and calls `consume` with each result as it completes
   * (one at a time: while `consume` runs, at most `limit` mappings keep
   * running but no new item is pulled). Returns when the source is
   * exhausted and every result was consumed. If a mapping or `consume`
   * fails, or the caller is cancelled, pulling stops and the mappings in
   * flight are cancelled; failures come out as a `NurseryError`.
   */
  forEach(consume: (value: R) => Operation<unknown> | void): Operation<void>;
}

/** What {@link mapConcurrent} maps: any sync or async iterable. @inline */
/** What {@link mapConcurrent} maps: any sync or async iterable. @inline */
type Source<T> = Iterable<T> | AsyncIterable<T>;

function checkLimit(limit: unknown): number {
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
    throw new RangeError(
      `mapConcurrent: limit must be a positive integer, got ${describeValue(limit)}`,
    );
  }
  return limit;
}

function isAsync<T>(source: Source<T>): source is AsyncIterable<T> {
  return typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === "function";
}

/**
 * Bounded concurrency over a source that may be huge, lazy or async: calls
 * `fn` for each item with at most `limit` calls in flight, and yields the
 * results in completion order. The source is pulled only as slots free up,
 * so memory stays O(limit) whatever the number of items. Each call runs as
 * a child task started eagerly, so a call that finishes without suspending
 * (a cache hit) frees its slot at once.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { mapConcurrent, run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 *
 * function* naturals() {
 *   for (let i = 0; ; i++) yield i; // infinite and lazy
 * }
 * function* firstSquares(count: number) {
 *   const seen: number[] = [];
 *   const source = (function* () {
 *     for (const i of naturals()) {
 *       if (i === count) return;
 *       yield i;
 *     }
 *   })();
 *   yield* mapConcurrent(source, function* (i) {
 *     yield* sleep(10 - i); // later items finish first
 *     return i * i;
 *   }, { limit: 4 }).forEach((square) => {
 *     seen.push(square);
 *   });
 *   return seen;
 * }
 * const squares = await run(() => firstSquares(6), { clock: new VirtualClock() });
 * assert.deepEqual(squares, [9, 4, 1, 0, 16, 25]);
 *
 * // From async code: leaving the loop early cancels what is in flight.
 * for await (const square of mapConcurrent([1, 2, 3], function* (i) { return i * i; }, { limit: 2 })) {
 *   if (square === 4) break;
 * }
 * ```
 */
export function mapConcurrent<T, R>(
  source: Source<T>,
  fn: (item: T, index: number) => Operation<R>,
  options: MapConcurrentOptions,
): ConcurrentResults<R> {
  if (
    source === null ||
    typeof source !== "object" ||
    (typeof (source as Iterable<T>)[Symbol.iterator] !== "function" && !isAsync(source))
  ) {
    throw new TypeError(
      `mapConcurrent expects an iterable or async iterable, got ${describeValue(source)}`,
    );
  }
  if (typeof fn !== "function") {
    throw new TypeError(`mapConcurrent expects a mapping function, got ${describeValue(fn)}`);
  }
  const limit = checkLimit(options?.limit);
  return new Results(source, fn, limit);
}

class Results<T, R> implements ConcurrentResults<R> {
  constructor(
    private readonly source: Source<T>,
    private readonly fn: (item: T, index: number) => Operation<R>,
    private readonly limit: number,
  ) {}

  forEach(consume: (value: R) => Operation<unknown> | void): Operation<void> {
    if (typeof consume !== "function") {
      throw new TypeError(`forEach expects a function, got ${describeValue(consume)}`);
    }
    return pump(this.source, this.fn, this.limit, consume);
  }

  [Symbol.asyncIterator](): AsyncIterator<R> {
    return new ResultIterator(this);
  }
}

/** The state one run of `forEach` shares with its item tasks. */
interface Pump<T, R> {
  readonly fn: (item: T, index: number) => Operation<R>;
  /** Finished results waiting to be consumed: at most `limit` of them. */
  readonly ready: R[];
  wake: (() => void) | null;
}

// One generator function for every item (not a closure per item): V8 gives
// each generator function its own prototype, so a fresh one per item would
// make every generator a new shape and the driver's calls megamorphic.
function* mapItem<T, R>(pump: Pump<T, R>, item: T, index: number): Generator<unknown, void> {
  pump.ready.push(yield* pump.fn(item, index));
  const wake = pump.wake;
  if (wake !== null) {
    pump.wake = null;
    wake();
  }
}

function* pump<T, R>(
  source: Source<T>,
  fn: (item: T, index: number) => Operation<R>,
  limit: number,
  consume: (value: R) => Operation<unknown> | void,
): Generator<unknown, void> {
  const asyncSource = isAsync(source);
  const iterator = asyncSource ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const state: Pump<T, R> = { fn, ready: [], wake: null };
  const ready = state.ready;
  let exhausted = false;
  try {
    yield* nursery(function* (n) {
      let inFlight = 0;
      let index = 0;
      while (true) {
        while (inFlight < limit && !exhausted) {
          const step = asyncSource
            ? yield* until((iterator as AsyncIterator<T>).next())
            : (iterator as Iterator<T>).next();
          if (step.done === true) {
            exhausted = true;
            break;
          }
          inFlight++;
          // An operation, not a function: no closure per item.
          (n as NurseryImpl).startChild(mapItem(state, step.value, index++));
        }
        if (ready.length === 0) {
          if (inFlight === 0) return;
          yield* action<void>((resolve) => {
            state.wake = resolve;
            return () => {
              state.wake = null;
            };
          });
        }
        // One result per round, so pulling resumes as soon as a slot frees up.
        const value = ready.shift()!;
        inFlight--;
        const consumed = consume(value);
        if (consumed !== undefined) yield* consumed;
      }
    });
  } finally {
    // Stop the source when the pump ends early (failure or cancellation).
    if (!exhausted && typeof iterator.return === "function") {
      const closing = iterator.return();
      if (asyncSource) yield* until(closing as Promise<unknown>);
    }
  }
}

/** `for await` over the results: a run of its own that hands results over one at a time. */
class ResultIterator<R> implements AsyncIterator<R> {
  private task: Task<void> | null = null;
  pending: {
    resolve: (r: IteratorResult<R>) => void;
    reject: (e: unknown) => void;
  } | null = null;
  resumeProducer: (() => void) | null = null;
  private finished = false;
  private failure: { error: unknown } | null = null;

  constructor(readonly results: ConcurrentResults<R>) {}

  next(): Promise<IteratorResult<R>> {
    const failure = this.failure;
    if (failure !== null) {
      this.failure = null;
      return Promise.reject(failure.error);
    }
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      if (this.task === null) this.start();
      else this.resumeProducer?.();
    });
  }

  async return(): Promise<IteratorResult<R>> {
    this.finished = true;
    const task = this.task;
    if (task !== null && !task.done) {
      task.cancel("the for-await loop was left");
      await task.then(
        () => undefined,
        () => undefined,
      );
    }
    return { done: true, value: undefined };
  }

  private start(): void {
    this.task = startRoot(() => handOver(this), { clock: realClock, name: "mapConcurrent" });
    this.task.then(
      () => {
        this.finished = true;
        this.pending?.resolve({ done: true, value: undefined });
        this.pending = null;
      },
      (error: unknown) => {
        this.finished = true;
        const pending = this.pending;
        this.pending = null;
        if (pending !== null) pending.reject(error);
        else this.failure = { error };
      },
    );
  }
}

/** The producer side of `for await`: hands each result over, then waits to be asked again. */
function* handOver<R>(consumer: ResultIterator<R>): Generator<unknown, void> {
  yield* consumer.results.forEach(function* (value) {
    const pending = consumer.pending!;
    consumer.pending = null;
    yield* action<void>((resolve) => {
      consumer.resumeProducer = resolve;
      pending.resolve({ done: false, value });
      return () => {
        consumer.resumeProducer = null;
      };
    });
  });
}
