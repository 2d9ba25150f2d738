import { realClock, type Clock } from "../kernel/clock.js";
import { describeValue } from "../kernel/describe.js";
import type { Operation } from "../kernel/operation.js";
import { ResultIterator } from "./map-for-await.js";
import { runMap, type MapSpec } from "./map-run.js";

/** Options of {@link mapConcurrent}. */
export interface MapConcurrentOptions {
  /**
   * How many items may be taken from the source and not yet consumed: the
   * mappings in flight plus the finished results waiting for the consumer
   * (a positive integer). Memory is O(limit), whatever the number of items.
   */
  limit: number;
  /**
   * Results in input order instead of completion order (default `false`).
   * A finished result waits for the ones before it, holding its slot; so a
   * slow item holds back at most `limit - 1` finished results, and the
   * source is not pulled until it is done.
   */
  ordered?: boolean;
  /**
   * Each result is a {@link Settled} record, like `Promise.allSettled`
   * (default `false`): a mapping that throws gives a `"rejected"` record and
   * the others go on. A `Cancelled` is never turned into a record: it
   * belongs to a scope outside the mapping, and goes on to it.
   */
  settle?: boolean;
  /**
   * The clock of the run that `for await` starts (default: the wall
   * clock). `forEach` runs in the caller's run and uses its clock. Note that
   * a `VirtualClock` with autojump moves that run's time on whenever all of
   * its tasks are blocked, which includes the time the loop body takes.
   */
  clock?: Clock;
}

/** A result with `settle: true`: what the mapping of `item` (at input position `index`) gave. */
export type Settled<R, T = unknown> =
  | {
      /** The mapping returned. */
      readonly status: "fulfilled";
      /** What it returned. */
      readonly value: R;
      /** The input item. */
      readonly item: T;
      /** The item's position in the input. */
      readonly index: number;
    }
  | {
      /** The mapping threw. */
      readonly status: "rejected";
      /** What it threw. */
      readonly reason: unknown;
      /** The input item. */
      readonly item: T;
      /** The item's position in the input. */
      readonly index: number;
    };

/**
 * The results of {@link mapConcurrent}. Consume them from an operation
 * with `forEach`, or from async code with `for await`. Each consumption
 * runs the mapping from the start (it asks the source for a new iterator);
 * nothing runs until then.
 */
export interface ConcurrentResults<R> extends AsyncIterable<R> {
  /**
   * Runs the mapping in the current task and calls `consume` with each
   * result (one at a time; an operation it returns runs to the end before
   * the next result is consumed, while at most `limit` items are taken).
   * Returns once the source is exhausted and every result was consumed.
   *
   * Suspends only when a mapping or `consume` does; if none does, it
   * returns without suspending. If a mapping (without `settle`), the source
   * or `consume` fails, or the caller is cancelled, pulling stops, the
   * mappings in flight are cancelled and the source's `return()` is called
   * once; failures come out as a `NurseryError`, an outer cancellation as
   * `Cancelled`.
   *
   * @throws TypeError when `consume` is not a function.
   */
  forEach(consume: (value: R) => Operation<unknown> | void): Operation<void>;
}

/** What {@link mapConcurrent} maps: any sync or async iterable. @inline */
type Source<T> = Iterable<T> | AsyncIterable<T>;

function checkOptions(options: unknown): Omit<MapSpec<unknown, unknown>, "source" | "fn"> & {
  clock: Clock;
} {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `mapConcurrent expects options with a limit, like { limit: 10 }, got ${describeValue(options)}`,
    );
  }
  const {
    limit,
    ordered = false,
    settle = false,
    clock = realClock,
  } = options as Record<string, unknown>;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
    throw new RangeError(
      `mapConcurrent: limit must be a positive integer, got ${describeValue(limit)}`,
    );
  }
  if (typeof ordered !== "boolean") {
    throw new TypeError(`mapConcurrent: ordered must be a boolean, got ${describeValue(ordered)}`);
  }
  if (typeof settle !== "boolean") {
    throw new TypeError(`mapConcurrent: settle must be a boolean, got ${describeValue(settle)}`);
  }
  const c = clock as Partial<Clock> | null;
  if (c === null || typeof c.now !== "function" || typeof c.setTimer !== "function") {
    throw new TypeError(
      `mapConcurrent: clock must have now() and setTimer(), got ${describeValue(clock)}`,
    );
  }
  return { limit, ordered, settle, clock: clock as Clock };
}

/**
 * Bounded concurrency over a source that may be huge, lazy or async
 * (`Iterable` or `AsyncIterable`): calls `fn(item, index)` for each item
 * with at most `limit` items taken and not yet consumed, and yields the
 * results — in completion order, or in input order with `ordered: true`.
 * The source is pulled only as slots free up (a slot frees up when its
 * result has been consumed), so memory stays O(limit).
 *
 * **How it runs.** The mappings run in up to `limit` worker tasks, children
 * of the caller, started eagerly as they are needed; each worker pulls an
 * item, runs its mapping inline, hands the result over and pulls again. A
 * mapping that completes without suspending (a cache hit) therefore frees
 * its slot at once: no task is created, nothing is queued, and a source of
 * such items runs in one step, in constant stack. `currentTask()` inside a
 * mapping is its worker.
 *
 * **Failures.** By default the first failure of a mapping cancels the
 * others and comes out as a `NurseryError` (fail fast). With
 * `settle: true` every result is a {@link Settled} record and a failed
 * item does not stop the others.
 *
 * **Every exit** — the source exhausted, a mapping or the consumer failing,
 * leaving a `for await` loop, the caller cancelled or timed out — stops
 * pulling at once and cancels the mappings in flight. After an early exit
 * the source's `return()` is called exactly once (after `done`, or after
 * `next()` threw, it is not called: like `for…of`). An async source's
 * `return()` is awaited, except inside a cancelled scope, where its
 * promise is abandoned with its rejection handled.
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
 *
 * In input order, with failures kept as records:
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { mapConcurrent, run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 *
 * function* fetchLength(url: string) {
 *   yield* sleep(url.length); // longer urls take longer
 *   if (url.includes("bad")) throw new Error(`cannot fetch ${url}`);
 *   return url.length;
 * }
 * const urls = ["/a-long-one", "/b", "/bad", "/c"];
 * const lines: string[] = [];
 * await run(
 *   () =>
 *     mapConcurrent(urls, fetchLength, { limit: 2, ordered: true, settle: true }).forEach((r) => {
 *       lines.push(r.status === "fulfilled" ? `${r.item}: ${r.value}` : `${r.item}: failed`);
 *     }),
 *   { clock: new VirtualClock() },
 * );
 * assert.deepEqual(lines, ["/a-long-one: 11", "/b: 2", "/bad: failed", "/c: 2"]);
 * ```
 *
 * @throws TypeError when `source` is not iterable, `fn` is not a function,
 *   or an option has the wrong type; RangeError when `limit` is not a
 *   positive integer. A mapping that returns something other than an
 *   operation (a promise, say) fails with a `TypeError` saying so.
 */
export function mapConcurrent<T, R>(
  source: Source<T>,
  fn: (item: T, index: number) => Operation<R>,
  options: MapConcurrentOptions & { settle: true },
): ConcurrentResults<Settled<R, T>>;
export function mapConcurrent<T, R>(
  source: Source<T>,
  fn: (item: T, index: number) => Operation<R>,
  options: MapConcurrentOptions & { settle?: false },
): ConcurrentResults<R>;
export function mapConcurrent<T, R>(
  source: Source<T>,
  fn: (item: T, index: number) => Operation<R>,
  options: MapConcurrentOptions,
): ConcurrentResults<R | Settled<R, T>>;
export function mapConcurrent<T, R>(
  source: Source<T>,
  fn: (item: T, index: number) => Operation<R>,
  options: MapConcurrentOptions,
): ConcurrentResults<R | Settled<R, T>> {
  if (
    source === null ||
    typeof source !== "object" ||
    (typeof (source as Iterable<T>)[Symbol.iterator] !== "function" &&
      typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] !== "function")
  ) {
    throw new TypeError(
      `mapConcurrent expects an iterable or async iterable, got ${describeValue(source)}`,
    );
  }
  if (typeof fn !== "function") {
    throw new TypeError(`mapConcurrent expects a mapping function, got ${describeValue(fn)}`);
  }
  const { clock, ...rest } = checkOptions(options);
  return new Results({ source, fn, ...rest } as MapSpec<unknown, unknown>, clock);
}

class Results<R> implements ConcurrentResults<R> {
  constructor(
    private readonly spec: MapSpec<unknown, unknown>,
    private readonly clock: Clock,
  ) {}

  forEach(consume: (value: R) => Operation<unknown> | void): Operation<void> {
    if (typeof consume !== "function") {
      throw new TypeError(`forEach expects a function, got ${describeValue(consume)}`);
    }
    return runMap(this.spec, consume as (value: unknown) => Operation<unknown> | void);
  }

  [Symbol.asyncIterator](): AsyncIterator<R> {
    return new ResultIterator<R>(this.spec, this.clock);
  }
}
