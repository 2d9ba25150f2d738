// A producer/consumer pipeline: a reader feeds items through a channel to
// N workers, whose results go through a second channel to one writer. A
// CapacityLimiter bounds the expensive step (at most `limit` workers in it
// at once, however many workers there are), the channels give backpressure
// (a slow writer holds the workers back, and the workers the reader), and
// a deadline from @copse/timeout stops everything cleanly.
import {
  CapacityLimiter,
  channel,
  type CancelScope,
  nursery,
  type Operation,
  type ReceiveEnd,
  type SendEnd,
} from "@copse/core";
import { moveOnAfter } from "@copse/timeout";

/** Options of {@link pipeline}. */
export interface PipelineOptions {
  /** How many worker tasks take items from the reader (a positive integer). */
  readonly workers: number;
  /**
   * Bounds the `work` step: how many workers may be in it at once. Share
   * one limiter between pipelines to bound them together. Default: as many
   * as there are workers.
   */
  readonly limiter?: CapacityLimiter;
  /** Capacity of both channels (default 0: every hand-over is a rendezvous). */
  readonly buffer?: number;
  /** Stop after this many ms (default: no deadline). */
  readonly timeout?: number;
}

/** What a {@link pipeline} run did. */
export interface PipelineReport {
  /** Items the reader handed to a worker. */
  read: number;
  /** Items whose `work` finished. */
  processed: number;
  /** Results the writer wrote. */
  written: number;
  /** Whether the deadline stopped the pipeline before it was done. */
  timedOut: boolean;
}

function* reader<T>(items: Iterable<T>, out: SendEnd<T>, report: PipelineReport): Operation<void> {
  try {
    for (const item of items) {
      yield* out.send(item); // waits for a free worker (backpressure)
      report.read++;
    }
  } finally {
    out.close(); // the workers' loops end once the channel is drained
  }
}

function* worker<T, R>(
  jobs: ReceiveEnd<T>,
  out: SendEnd<R>,
  work: (item: T) => Operation<R>,
  limiter: CapacityLimiter,
  report: PipelineReport,
): Operation<void> {
  try {
    yield* jobs.forEach(function* (item) {
      const result = yield* limiter.withToken(() => work(item));
      report.processed++;
      yield* out.send(result); // waits for the writer
    });
  } finally {
    out.close(); // the writer's loop ends when every worker's clone is closed
  }
}

function* writer<R>(
  results: ReceiveEnd<R>,
  write: (result: R) => Operation<void> | void,
  report: PipelineReport,
): Operation<void> {
  yield* results.forEach(function* (result) {
    const step = write(result);
    if (step !== undefined) yield* step;
    report.written++;
  });
}

/**
 * Runs `items` through `work` on `options.workers` worker tasks and hands
 * each result to `write`, one at a time, in the order the results come.
 * Returns when every item was written, or when `options.timeout` ms have
 * passed: then every task of the pipeline is cancelled (the `work` and
 * `write` in progress get `Cancelled`), every channel end is closed, every
 * limiter token is back, and the report says how far it got.
 *
 * Memory stays O(workers + buffer) whatever the number of items: the reader
 * pulls the next item only when a worker takes it. An error in `work` or
 * `write` cancels the rest and comes out as a `NurseryError`.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { CapacityLimiter, run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 * import { pipeline } from "@copse/examples/pipeline";
 *
 * const clock = new VirtualClock();
 * const lines: string[] = [];
 * const report = await run(
 *   () =>
 *     pipeline(
 *       ["a", "b", "c", "d", "e"],
 *       function* fetch(name) {
 *         yield* sleep(10); // the expensive step: two at a time
 *         return name.toUpperCase();
 *       },
 *       (line) => {
 *         lines.push(line);
 *       },
 *       { workers: 3, limiter: new CapacityLimiter(2), timeout: 25 },
 *     ),
 *   { clock },
 * );
 * // a, b at 10; c, d at 20; e would be done at 30, after the deadline.
 * assert.deepEqual(lines, ["A", "B", "C", "D"]);
 * assert.deepEqual(report, { read: 5, processed: 4, written: 4, timedOut: true });
 * assert.equal(clock.now(), 25);
 * ```
 *
 * @throws RangeError at the call for a `workers` count that is not a
 *   positive integer.
 */
export function pipeline<T, R>(
  items: Iterable<T>,
  work: (item: T) => Operation<R>,
  write: (result: R) => Operation<void> | void,
  options: PipelineOptions,
): Operation<PipelineReport> {
  const workers = options.workers;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`pipeline: workers must be a positive integer, got ${String(workers)}`);
  }
  return runPipeline(items, work, write, workers, options);
}

function* runPipeline<T, R>(
  items: Iterable<T>,
  work: (item: T) => Operation<R>,
  write: (result: R) => Operation<void> | void,
  workers: number,
  options: PipelineOptions,
): Operation<PipelineReport> {
  const limiter = options.limiter ?? new CapacityLimiter(workers);
  const buffer = options.buffer ?? 0;
  const report: PipelineReport = { read: 0, processed: 0, written: 0, timedOut: false };
  const [toWorkers, jobs] = channel<T>(buffer);
  const [toWriter, results] = channel<R>(buffer);
  const run = () =>
    nursery(function* (n) {
      n.startSoon(() => reader(items, toWorkers, report), { name: "reader" });
      for (let i = 0; i < workers; i++) {
        const myJobs = jobs.clone();
        const myResults = toWriter.clone();
        n.startSoon(() => worker(myJobs, myResults, work, limiter, report), {
          name: `worker ${i}`,
        });
      }
      // The clones are the workers'; these two would keep the channels open.
      jobs.close();
      toWriter.close();
      n.startSoon(() => writer(results, write, report), { name: "writer" });
    });
  if (options.timeout === undefined) {
    yield* run();
  } else {
    let deadline: CancelScope | undefined;
    yield* moveOnAfter(options.timeout, (scope) => {
      deadline = scope;
      return run();
    });
    report.timedOut = deadline!.cancelledCaught;
  }
  return report;
}
