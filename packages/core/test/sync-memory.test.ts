// What waiting costs: the fast path takes no promise, microtask or turn;
// a cancelled waiter leaves its queue at once (10^6 cancelled waits leave
// the heap flat); a channel that passes 10^6 values holds O(capacity).
import {
  CapacityLimiter,
  Condition,
  Event,
  Lock,
  Semaphore,
  channel,
  checkpoint,
  nursery,
  run,
  type Operation,
} from "@copse/core";
import { runtimeStats } from "@copse/core/internal";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { valueOf } from "./helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

describe("the fast path", () => {
  it("uncontended acquire/release and send/receive on a non-full channel take no turn, microtask or promise", () => {
    const task = run(function* () {
      const lock = new Lock();
      const semaphore = new Semaphore(1);
      const limiter = new CapacityLimiter(1);
      const event = new Event();
      event.set();
      const [send, receive] = channel<number>(1);
      let sum = 0;
      for (let i = 0; i < 10_000; i++) {
        yield* lock.acquire();
        lock.release();
        yield* semaphore.acquire();
        semaphore.release();
        yield* limiter.acquire();
        limiter.release();
        yield* event.wait();
        yield* send.send(i);
        sum += yield* receive.receive();
      }
      return sum;
    });
    expect(task.done).toBe(true);
    expect(valueOf(task)).toBe((10_000 * 9_999) / 2);
    expect(runtimeStats(task)).toMatchObject({ turns: 0, microtasks: 0, promises: 0 });
  });

  it("a contended lock, by contrast, hands over through the run queue (the counter counts)", () => {
    const task = run(function* () {
      const lock = new Lock();
      yield* nursery(function* (n) {
        for (let i = 0; i < 2; i++) {
          n.startTask(() =>
            lock.withLock(function* () {
              yield* checkpoint();
            }),
          );
        }
      });
    });
    expect(task.done).toBe(true);
    expect(runtimeStats(task).turns).toBeGreaterThan(0);
    expect(runtimeStats(task)).toMatchObject({ microtasks: 0, promises: 0 });
  });
});

describe("memory", () => {
  it("10^6 cancelled waits leave the heap flat: a cancelled waiter leaves its queue at once", async () => {
    const heap: number[] = [];
    let waiting: number[] = [];
    // Each cancellation makes a `Cancelled`, whose stack capture is most of
    // its cost here; this test is about memory, so skip the stacks.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const task = run(function* () {
      const event = new Event();
      const lock = new Lock();
      yield* lock.acquire();
      const semaphore = new Semaphore(0);
      const limiter = new CapacityLimiter(1);
      yield* limiter.acquire();
      const condition = new Condition();
      const [fullSend] = channel<number>(0); // no receiver: sends wait
      const [, emptyReceive] = channel<number>(0); // no sender: receives wait
      const waits: (() => Operation<unknown>)[] = [
        () => event.wait(),
        () => lock.acquire(),
        () => semaphore.acquire(),
        () => limiter.acquire(),
        () => condition.withLock(() => condition.wait()),
        () => fullSend.send(1),
        () => emptyReceive.receive(),
      ];
      yield* nursery(function* (n) {
        for (let i = 1; i <= 1_000_000; i++) {
          const child = n.startTask(waits[i % waits.length]!); // blocks in its first step
          child.cancel();
          // Let the cancelled children finish now and then, so only the queues could grow.
          if (i % 1_000 === 0) yield* checkpoint();
          if (i % 100_000 === 0) heap.push(heapUsed());
        }
      });
      waiting = [
        event.statistics().tasksWaiting,
        lock.statistics().tasksWaiting,
        semaphore.statistics().tasksWaiting,
        limiter.statistics().tasksWaiting,
        condition.statistics().tasksWaiting,
        condition.statistics().lock.tasksWaiting,
        fullSend.statistics().waitingSenders,
        emptyReceive.statistics().waitingReceivers,
      ];
    });
    try {
      await task;
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    expect(waiting).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const mb = heap.map((h) => (h / 1e6).toFixed(1));
    console.log(`cancelled waits: heap used every 100 000 (MB): ${mb.join(", ")}`);
    expect(heap).toHaveLength(10);
    expect(heap[heap.length - 1]! - heap[0]!).toBeLessThan(2_000_000);
  }, 120_000);

  it.each([0, 1, 1000])(
    "a channel of capacity %i that passes 10^6 values holds O(capacity) memory",
    async (capacity) => {
      const heap: number[] = [];
      let peakBuffered = 0;
      const task = run(function* () {
        const [send, receive] = channel<{ i: number }>(capacity);
        let received = 0;
        yield* nursery(function* (n) {
          n.startSoon(function* () {
            for (let i = 0; i < 1_000_000; i++) yield* send.send({ i });
            send.close();
          });
          yield* receive.forEach((value) => {
            received++;
            if (value.i % 100_000 === 0) {
              peakBuffered = Math.max(peakBuffered, receive.statistics().buffered);
              heap.push(heapUsed());
            }
          });
        });
        return received;
      });
      expect(await task).toBe(1_000_000);
      expect(peakBuffered).toBeLessThanOrEqual(capacity);
      const mb = heap.map((h) => (h / 1e6).toFixed(1));
      console.log(`channel(${capacity}): heap used every 100 000 values (MB): ${mb.join(", ")}`);
      expect(heap).toHaveLength(10);
      expect(heap[heap.length - 1]! - heap[0]!).toBeLessThan(1_000_000);
    },
    120_000,
  );
});
