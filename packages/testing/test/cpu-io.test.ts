// The classic CPU–IO–CPU scenario with simulated CPU time (`clock.busy`):
// three jobs of 1 ms CPU, then I/O, then 1 ms CPU. One CPU: while a job
// computes, nothing else runs. The makespan depends on the start order,
// exactly as the timeline predicts, on both start paths.
//
// Longest I/O first (5, 3, 1):        Shortest I/O first (1, 3, 5):
//   CPU  A 0-1  B 1-2  C 2-3            CPU  A 0-1  B 1-2  C 2-3
//   I/O  A 1-6  B 2-5  C 3-4            I/O  A 1-2  B 2-5  C 3-8
//   CPU  C 4-5  B 5-6  A 6-7            CPU  A 3-4  B 5-6  C 8-9
//   makespan 7                          makespan 9 (A's I/O ends at 2, but the CPU is busy until 3)
import { nursery, sleep, type Operation } from "@copse/core";
import { describe, expect } from "vitest";
import type { VirtualClock } from "../src/index.js";
import { copseTest } from "../src/vitest/index.js";

interface Job {
  readonly name: string;
  readonly io: number;
}

function* job(clock: VirtualClock, spec: Job, ends: Record<string, number>): Operation<void> {
  clock.busy(1); // CPU
  yield* sleep(spec.io); // I/O
  clock.busy(1); // CPU
  ends[spec.name] = clock.now();
}

function* schedule(
  clock: VirtualClock,
  jobs: readonly Job[],
  path: "startSoon" | "startTask",
): Operation<{ makespan: number; ends: Record<string, number> }> {
  const ends: Record<string, number> = {};
  yield* nursery(function* (n) {
    for (const spec of jobs) n[path](() => job(clock, spec, ends), { name: spec.name });
  });
  return { makespan: clock.now(), ends };
}

const longestFirst: Job[] = [
  { name: "A", io: 5 },
  { name: "B", io: 3 },
  { name: "C", io: 1 },
];
const shortestFirst: Job[] = [
  { name: "A", io: 1 },
  { name: "B", io: 3 },
  { name: "C", io: 5 },
];

describe.each(["startSoon", "startTask"] as const)("CPU–IO–CPU with %s", (path) => {
  copseTest("longest I/O first: makespan 7", function* ({ clock }) {
    const { makespan, ends } = yield* schedule(clock, longestFirst, path);
    expect(ends).toEqual({ C: 5, B: 6, A: 7 });
    expect(makespan).toBe(7);
  });

  copseTest("shortest I/O first: makespan 9", function* ({ clock }) {
    const { makespan, ends } = yield* schedule(clock, shortestFirst, path);
    expect(ends).toEqual({ A: 4, B: 6, C: 9 });
    expect(makespan).toBe(9);
  });
});
