import { CapacityLimiter, NurseryError, run, sleep, type Operation } from "@copse/core";
import { VirtualClock } from "@copse/testing";
import { describe, expect, it } from "vitest";
import { pipeline, type PipelineOptions, type PipelineReport } from "../src/pipeline.js";

/** A unit of work that takes `ms` and records how many run at once, and which were cut short. */
class Work {
  running = 0;
  peak = 0;
  readonly cut: number[] = [];
  constructor(private readonly ms: number) {}

  *run(item: number): Operation<number> {
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    let finished = false;
    try {
      yield* sleep(this.ms);
      finished = true;
      return item * 10;
    } finally {
      this.running--;
      if (!finished) this.cut.push(item);
    }
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

async function runPipeline(
  items: Iterable<number>,
  work: Work,
  write: (value: number) => Operation<void> | void,
  options: PipelineOptions,
): Promise<{ report: PipelineReport; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const report = await run(() => pipeline(items, (item) => work.run(item), write, options), {
    clock,
  });
  return { report, clock };
}

describe("pipeline", () => {
  it("processes every item, with at most `limit` workers in the work step at once", async () => {
    const work = new Work(10);
    const written: number[] = [];
    const limiter = new CapacityLimiter(3);
    const { report, clock } = await runPipeline(range(12), work, (v) => void written.push(v), {
      workers: 5,
      limiter,
    });
    expect(report).toEqual({ read: 12, processed: 12, written: 12, timedOut: false });
    expect([...written].sort((a, b) => a - b)).toEqual(range(12).map((i) => i * 10));
    expect(work.peak).toBe(3);
    expect(clock.now()).toBe(40); // 12 items, 3 at a time, 10 ms each
    expect(limiter.statistics()).toMatchObject({ borrowed: 0, tasksWaiting: 0 });
  });

  it("stops cleanly at the deadline: work in progress is cancelled, every token comes back", async () => {
    const work = new Work(10);
    const written: number[] = [];
    const limiter = new CapacityLimiter(2);
    const { report, clock } = await runPipeline(range(100), work, (v) => void written.push(v), {
      workers: 4,
      limiter,
      timeout: 35,
    });
    // 2 at a time, 10 ms each: 6 done by 30, 2 more cut short at 35.
    expect(report).toMatchObject({ processed: 6, written: 6, timedOut: true });
    expect(work.cut).toHaveLength(2);
    expect(work.running).toBe(0);
    expect(clock.now()).toBe(35);
    expect(limiter.statistics()).toMatchObject({ borrowed: 0, tasksWaiting: 0 });
    // The reader pulled only what the workers took: no runaway read-ahead.
    expect(report.read).toBeLessThanOrEqual(report.processed + 4 + 2);
  });

  it("a slow writer holds the workers back, and they the reader (backpressure)", async () => {
    const work = new Work(1);
    let pulled = 0;
    let written = 0;
    let peakInFlight = 0;
    const items = (function* () {
      for (const i of range(50)) {
        pulled++;
        peakInFlight = Math.max(peakInFlight, pulled - written);
        yield i;
      }
    })();
    const { report, clock } = await runPipeline(
      items,
      work,
      function* write() {
        yield* sleep(5); // far slower than the workers
        written++;
      },
      { workers: 3, buffer: 1 },
    );
    expect(report).toMatchObject({ read: 50, written: 50, timedOut: false });
    expect(clock.now()).toBe(1 + 50 * 5); // the writer sets the pace
    // In flight at most: the item being read, 2 buffers, 3 workers, the writer's.
    expect(peakInFlight).toBeLessThanOrEqual(1 + 2 + 3 + 1);
  });

  it("an error in the work cancels the rest and comes out as a NurseryError", async () => {
    const work = new Work(10);
    const failing = (item: number): Operation<number> =>
      item === 3
        ? (function* () {
            yield* sleep(5);
            throw new Error("bad item 3");
          })()
        : work.run(item);
    const clock = new VirtualClock();
    const task = run(() => pipeline(range(10), failing, () => {}, { workers: 4 }), { clock });
    await expect(task).rejects.toBeInstanceOf(NurseryError);
    await task.then(
      () => {},
      (error: NurseryError) =>
        expect(error.errors.map((e) => (e as Error).message)).toEqual(["bad item 3"]),
    );
    expect(work.running).toBe(0);
    expect(clock.now()).toBe(5);
  });

  it("rejects a bad worker count", () => {
    expect(() =>
      pipeline(
        [],
        function* () {},
        () => {},
        { workers: 0 },
      ),
    ).toThrow(new RangeError("pipeline: workers must be a positive integer, got 0"));
  });
});
