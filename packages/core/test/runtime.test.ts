// Fairness, virtual time and memory of the runtime.
import { checkpoint, nursery, run, sleep, type Operation } from "@copse/core";
import { runtimeStats } from "@copse/core/internal";
import { VirtualClock } from "@copse/testing";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function* leaf(): Operation<number> {
  return 1;
}

describe("fairness", () => {
  it("a task that loops on checkpoint() does not starve a real timer or an I/O callback", async () => {
    let timerFired = false;
    let immediateFired = false;
    let iterationsWhenTimerFired = -1;
    const limit = 20_000_000;
    const task = run(function* () {
      setTimeout(() => (timerFired = true), 1);
      setImmediate(() => (immediateFired = true));
      let i = 0;
      // Without a budget this loop would run all `limit` iterations before
      // the event loop got control back.
      while (!(timerFired && immediateFired) && i < limit) {
        yield* checkpoint();
        i++;
      }
      iterationsWhenTimerFired = i;
      return i;
    });
    expect(task.done).toBe(false);
    await task;
    expect(timerFired).toBe(true);
    expect(immediateFired).toBe(true);
    expect(iterationsWhenTimerFired).toBeLessThan(limit);
    expect(runtimeStats(task).yields).toBeGreaterThan(0);
  });
});

describe("virtual time", () => {
  function* busyChild(): Operation<void> {
    // Half a millisecond of real work per step: 40 steps are 20 ms, far over
    // the 4 ms wall budget of a drain.
    const end = performance.now() + 0.5;
    while (performance.now() < end);
    yield* sleep(1);
  }

  it("under a virtual clock the fairness budget counts steps, not wall time, so a run ends inside run() whatever the load", () => {
    const virtual = run(
      function* () {
        yield* nursery(function* (n) {
          for (let i = 0; i < 20; i++) n.startSoon(busyChild);
        });
        return "done";
      },
      { clock: new VirtualClock() },
    );
    expect(virtual.outcome).toEqual({ status: "ok", value: "done" });
    expect(runtimeStats(virtual).yields).toBe(0);
  });

  it("on the real clock the same work hands control back to the event loop", async () => {
    const real = run(function* () {
      yield* nursery(function* (n) {
        for (let i = 0; i < 20; i++) n.startSoon(busyChild);
      });
    });
    await real;
    expect(runtimeStats(real).yields).toBeGreaterThan(0);
  });
});

describe("memory", () => {
  it.each(["eager", "lazy"] as const)(
    "a nursery that starts and finishes 10 million tasks one after another holds only its live children (%s)",
    async (path) => {
      const heap: number[] = [];
      let children = -1;
      const task = run(function* () {
        yield* nursery(function* (n) {
          for (let i = 1; i <= 10_000_000; i++) {
            if (path === "eager") n.startTask(leaf);
            else yield* n.startSoon(leaf);
            if (i % 1_000_000 === 0) {
              gc();
              heap.push(process.memoryUsage().heapUsed);
            }
          }
          children = n.childTasks.length;
        });
      });
      await task;
      expect(children).toBe(0);
      const mb = heap.map((h) => Math.round(h / 1e5) / 10);
      console.log(`${path}: heap used after each million tasks (MB): ${mb.join(", ")}`);
      // Flat: the last reading is within 2 MB of the first.
      expect(heap).toHaveLength(10);
      expect(heap[heap.length - 1]! - heap[0]!).toBeLessThan(2_000_000);
    },
    120_000,
  );
});
