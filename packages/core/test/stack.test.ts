// Stack safety and synchronous completion (issue 3: "stack safety",
// "an operation that finishes without suspending completes with no promise,
// microtask or run-queue entry").
import {
  EAGER_DEPTH_LIMIT,
  action,
  all,
  currentTask,
  nursery,
  run,
  type Operation,
} from "@copse/core";
import { runtimeStats } from "@copse/core/internal";
import { describe, expect, it } from "vitest";
import { runVirtual, valueOf } from "./helpers.js";

/** Counts microtasks and promise reactions queued while `fn` runs. */
function countingMicrotasks<T>(fn: () => T): { result: T; microtasks: number; thens: number } {
  const originalQueue = globalThis.queueMicrotask;
  const originalThen = Promise.prototype.then;
  let microtasks = 0;
  let thens = 0;
  globalThis.queueMicrotask = (cb) => {
    microtasks++;
    originalQueue(cb);
  };
  Promise.prototype.then = function (
    this: Promise<unknown>,
    ...args: Parameters<Promise<unknown>["then"]>
  ) {
    thens++;
    return originalThen.apply(this, args);
  } as typeof Promise.prototype.then;
  try {
    return { result: fn(), microtasks, thens };
  } finally {
    globalThis.queueMicrotask = originalQueue;
    Promise.prototype.then = originalThen;
  }
}

function* leaf(i: number): Operation<number> {
  return i;
}

describe("synchronous completion", () => {
  it("an eager child that finishes without suspending: no promise, microtask or run-queue turn", () => {
    const {
      result: task,
      microtasks,
      thens,
    } = countingMicrotasks(() =>
      run(function* () {
        // `all` over eager children, joins of finished tasks, an action
        // resolved during its setup: none of them suspends.
        const values = yield* all([leaf(1), leaf(2), () => leaf(3)]);
        const nested = yield* all([() => all([leaf(4), leaf(5)])]);
        const resolved = yield* action<number>((resolve) => resolve(6));
        const t = run(() => leaf(7));
        const joined = yield* t;
        return [...values, ...nested.flat(), resolved, joined];
      }),
    );
    expect(task.done).toBe(true);
    expect(valueOf(task)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(microtasks).toBe(0);
    expect(thens).toBe(0);
    expect(runtimeStats(task)).toMatchObject({
      turns: 0,
      microtasks: 0,
      promises: 0,
      heapTimers: 0,
    });
  });

  it("a tree of eager gathers (6 levels x 6 branches) completes inside run()", () => {
    function* tree(level: number): Operation<number> {
      if (level === 0) return 1;
      const children: (() => Operation<number>)[] = [];
      for (let i = 0; i < 6; i++) children.push(() => tree(level - 1));
      const counts = yield* all(children);
      return counts.reduce((a, b) => a + b, 0);
    }
    const { result: task, microtasks } = countingMicrotasks(() => run(() => tree(6)));
    expect(valueOf(task)).toBe(46_656);
    expect(microtasks).toBe(0);
    expect(runtimeStats(task).turns).toBe(0);
  });

  it("startTask of a finishing child adds nothing to the run queue", () => {
    const { task } = runVirtual(function* () {
      const before = { ...runtimeStats(currentTask()) };
      yield* nursery(function* (n) {
        for (let i = 0; i < 100; i++) n.startTask(() => leaf(i));
      });
      return [before, runtimeStats(currentTask())];
    });
    const [before, after] = valueOf(task);
    expect(before.turns).toBe(0);
    // One turn only: the nursery's exit is a schedule point (docs/cases.md L06).
    expect(after.turns).toBe(1);
  });
});

describe("stack safety", () => {
  it(`a recursion of eager starts 100 000 deep completes (lazy beyond ${EAGER_DEPTH_LIMIT} nested eager steps)`, async () => {
    function* chain(depth: number): Operation<number> {
      if (depth === 0) return 0;
      const below = yield* nursery(function* (n) {
        const child = n.startTask(() => chain(depth - 1));
        return yield* child;
      });
      return below! + 1;
    }
    const task = run(() => chain(100_000));
    expect(await task).toBe(100_000);
  });

  it("a recursion of eager gathers 100 000 deep completes", async () => {
    function* chain(depth: number): Operation<number> {
      if (depth === 0) return 0;
      const [below] = yield* all([() => chain(depth - 1)]);
      return below! + 1;
    }
    expect(await run(() => chain(100_000))).toBe(100_000);
  });

  it("10 million operations that complete or resume synchronously run in constant stack", () => {
    const task = run(function* () {
      const finished = run(() => leaf(1));
      let sum = 0;
      for (let i = 0; i < 10_000_000; i++) {
        switch (i % 4) {
          case 0:
            sum += yield* finished; // joining a finished task
            break;
          case 1:
            sum += yield* action<number>((resolve) => resolve(1)); // resumed during its setup
            break;
          case 2:
            sum += (yield* all([leaf(1)]))[0]!; // an eager gather that finishes eagerly
            break;
          default:
            sum += yield* leaf(1); // plain delegation
        }
      }
      return sum;
    });
    expect(valueOf(task)).toBe(10_000_000);
    expect(runtimeStats(task).turns).toBe(0);
  }, 120_000);
});
