// Memory of the runtime (issue 3): long runs hold only what is live. The
// heap is read after a forced collection, through V8's `gc` (node:v8 and
// node:vm), so these tests run where those exist (Node; see
// scripts/runtimes/excluded.mjs for the runtimes that skip this file).
import { mapConcurrent, nursery, run, type Operation } from "@copse/core";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function* leaf(): Operation<number> {
  return 1;
}

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

  it("mapConcurrent over 10 million lazy items runs in flat memory", () => {
    const heap: number[] = [];
    let count = 0;
    function* items() {
      for (let i = 1; i <= 10_000_000; i++) yield i;
    }
    const task = run(function* () {
      yield* mapConcurrent(
        items(),
        function* (i) {
          return i;
        },
        { limit: 16 },
      ).forEach((i) => {
        count++;
        if (i % 2_000_000 === 0) {
          gc();
          heap.push(process.memoryUsage().heapUsed);
        }
      });
    });
    expect(task.done).toBe(true);
    expect(count).toBe(10_000_000);
    console.log(
      `mapConcurrent: heap used every 2 million items (MB): ${heap.map((h) => (h / 1e6).toFixed(1)).join(", ")}`,
    );
    expect(heap[heap.length - 1]! - heap[0]!).toBeLessThan(2_000_000);
  }, 120_000);
});
