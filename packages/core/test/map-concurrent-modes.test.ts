// mapConcurrent's options: input order with a window bounded by the limit,
// settled results, eager completion without run-queue turns, usage errors.
import type { NurseryError } from "@copse/core";
import {
  CancelScope,
  Cancelled,
  currentTask,
  mapConcurrent,
  nursery,
  run,
  sleep,
  until,
  type Operation,
  type Settled,
} from "@copse/core";
import { runtimeStats } from "@copse/core/internal";
import { VirtualClock } from "@copse/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorOf, runVirtual, valueOf } from "./helpers.js";

/** A lazy source that records, at each pull, how many items were taken and not yet consumed. */
function counted(durations: readonly number[], state: { consumed: number; outstanding: number[] }) {
  return (function* () {
    for (let i = 0; i < durations.length; i++) {
      state.outstanding.push(i - state.consumed + 1);
      yield i;
    }
  })();
}

describe("mapConcurrent ordered", () => {
  it("yields in input order; a slow first item holds back at most limit results and stops pulling", () => {
    const durations = [50, 1, 2, 3, 1, 1, 1, 1];
    const state = { consumed: 0, outstanding: [] as number[] };
    const pullTimes: number[] = [];
    const { task, log, clock } = runVirtual(function* (log, clock) {
      const source = counted(durations, state);
      const timed = (function* () {
        for (const i of source) {
          pullTimes.push(clock.now());
          yield i;
        }
      })();
      yield* mapConcurrent(
        timed,
        function* (i) {
          yield* sleep(durations[i]!);
          return i;
        },
        { limit: 3, ordered: true },
      ).forEach((i) => {
        state.consumed++;
        log.push([i, clock.now()]);
      });
    });
    valueOf(task);
    expect(log.map((e) => (e as number[])[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Items 1 and 2 finish at 1 and 2 but wait for item 0; nothing is pulled meanwhile.
    expect(pullTimes.slice(0, 4)).toEqual([0, 0, 0, 50]);
    expect(log.slice(0, 3)).toEqual([
      [0, 50],
      [1, 50],
      [2, 50],
    ]);
    expect(Math.max(...state.outstanding)).toBe(3);
    expect(clock.now()).toBe(54);
  });

  it("property: input order, at most limit outstanding, for any durations and limit", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 100 }),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        (durations, limit, ordered) => {
          const state = { consumed: 0, outstanding: [] as number[] };
          const seen: number[] = [];
          const task = run(
            () =>
              mapConcurrent(
                counted(durations, state),
                function* (i) {
                  if (durations[i]! > 0) yield* sleep(durations[i]!);
                  return i;
                },
                { limit, ordered },
              ).forEach((i) => {
                state.consumed++;
                seen.push(i);
              }),
            { clock: new VirtualClock() },
          );
          valueOf(task);
          const inOrder = durations.map((_, i) => i);
          if (ordered) expect(seen).toEqual(inOrder);
          else expect([...seen].sort((a, b) => a - b)).toEqual(inOrder);
          expect(Math.max(0, ...state.outstanding)).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });

  it("a slow first item holds back up to limit results (the window grows to it)", () => {
    const state = { consumed: 0, outstanding: [] as number[] };
    const durations = Array.from({ length: 200 }, (_, i) => (i === 0 ? 1000 : 1 + (i % 5)));
    const { task, log } = runVirtual(function* (log) {
      yield* mapConcurrent(
        counted(durations, state),
        function* (i) {
          yield* sleep(durations[i]!);
          return i;
        },
        { limit: 100, ordered: true },
      ).forEach((i) => {
        state.consumed++;
        log.push(i);
      });
    });
    valueOf(task);
    expect(log).toEqual(durations.map((_, i) => i));
    expect(Math.max(...state.outstanding)).toBe(100);
  });

  it("a consumer that suspends: results wait their turn, in order; nothing is pulled while it runs", () => {
    const { task, log } = runVirtual(function* (log, clock) {
      yield* mapConcurrent(
        [3, 1, 2, 1],
        function* (ms) {
          yield* sleep(ms);
          return ms;
        },
        { limit: 2, ordered: true },
      ).forEach(function* (ms) {
        log.push([ms, clock.now()]);
        yield* sleep(10);
      });
    });
    valueOf(task);
    expect(log).toEqual([
      [3, 3],
      [1, 13],
      [2, 25], // pulled at 23, once the consumer was done with 1
      [1, 35],
    ]);
  });
});

describe("mapConcurrent settle", () => {
  it("a failed item becomes a rejected record and does not cancel its siblings", () => {
    const finished: number[] = [];
    const { task } = runVirtual(function* () {
      const results: Settled<number, number>[] = [];
      yield* mapConcurrent(
        [1, 2, 3, 4],
        function* (i): Operation<number> {
          yield* sleep(i);
          if (i % 2 === 0) throw new Error(`item ${i} failed`);
          finished.push(i);
          return i * 10;
        },
        { limit: 4, settle: true, ordered: true },
      ).forEach((r) => {
        results.push(r);
      });
      return results;
    });
    expect(valueOf(task)).toEqual([
      { status: "fulfilled", value: 10, item: 1, index: 0 },
      { status: "rejected", reason: new Error("item 2 failed"), item: 2, index: 1 },
      { status: "fulfilled", value: 30, item: 3, index: 2 },
      { status: "rejected", reason: new Error("item 4 failed"), item: 4, index: 3 },
    ]);
    expect(finished).toEqual([1, 3]);
  });

  it("a function that throws before returning an operation is a rejected record too", () => {
    const { task } = runVirtual(function* () {
      const results: string[] = [];
      yield* mapConcurrent(
        ["a", "", "c"],
        (s: string): Operation<string> => {
          if (s === "") throw new RangeError("empty");
          return (function* () {
            return s.toUpperCase();
          })();
        },
        { limit: 1, settle: true },
      ).forEach((r) => {
        results.push(r.status === "fulfilled" ? r.value : `rejected: ${String(r.reason)}`);
      });
      return results;
    });
    expect(valueOf(task)).toEqual(["A", "rejected: RangeError: empty", "C"]);
  });

  it("an outer cancellation is never a rejected record: it goes to its scope", () => {
    const records: unknown[] = [];
    const cancelled: number[] = [];
    const scope = new CancelScope();
    const { task, clock } = runVirtual(function* () {
      yield* nursery(function* (n) {
        n.startSoon(function* () {
          yield* sleep(15);
          scope.cancel();
        });
        yield* scope.run(() =>
          mapConcurrent(
            [10, 20, 30],
            function* (ms) {
              try {
                yield* sleep(ms);
              } catch (error) {
                if (error instanceof Cancelled) cancelled.push(ms);
                throw error;
              }
              return ms;
            },
            { limit: 3, settle: true },
          ).forEach((r) => {
            records.push(r);
          }),
        );
      });
    });
    valueOf(task);
    expect(scope.cancelledCaught).toBe(true);
    expect(clock.now()).toBe(15);
    expect(records).toEqual([{ status: "fulfilled", value: 10, item: 10, index: 0 }]);
    expect(cancelled.sort()).toEqual([20, 30]);
  });

  it("the consumer failing still fails the run, settle or not", () => {
    const { task } = runVirtual(function* () {
      yield* mapConcurrent(
        [1, 2],
        function* (i) {
          return i;
        },
        { limit: 2, settle: true },
      ).forEach(() => {
        throw new Error("consumer failed");
      });
    });
    expect((errorOf(task) as NurseryError).errors).toEqual([new Error("consumer failed")]);
  });

  it("for await yields settled records too", async () => {
    const seen: string[] = [];
    for await (const r of mapConcurrent(
      [1, 2],
      function* (i): Operation<number> {
        if (i === 2) throw new Error("two");
        return i;
      },
      { limit: 1, settle: true },
    )) {
      seen.push(r.status);
    }
    expect(seen).toEqual(["fulfilled", "rejected"]);
  });

  for (const ordered of [false, true]) {
    it(`for await (${ordered ? "ordered" : "completion order"}): results that finish while the loop body runs wait for it, each once, with at most limit - 1 items pulled beyond those received`, async () => {
      // Durations that make completion order differ from input order; the
      // loop body awaits, and meanwhile the run's clock jumps, so several
      // results finish and wait while the loop holds one.
      const durations = [30, 10, 20, 5, 5, 40, 1, 1, 15, 2, 2, 2];
      const limit = 3;
      let pulled = 0;
      const finished: number[] = [];
      const received: number[] = [];
      const source = (function* () {
        for (let i = 0; i < durations.length; i++) {
          pulled++;
          yield i;
        }
      })();
      const results = mapConcurrent(
        source,
        function* (i): Operation<number> {
          yield* sleep(durations[i]!);
          finished.push(i);
          return i;
        },
        { limit, ordered, clock: new VirtualClock() },
      );
      let heldBack = 0;
      for await (const i of results) {
        received.push(i);
        expect(pulled - received.length).toBeLessThanOrEqual(limit - 1);
        for (let turn = 0; turn < 3; turn++) await Promise.resolve();
        heldBack = Math.max(heldBack, finished.length - received.length);
      }
      expect([...received].sort((a, b) => a - b)).toEqual(durations.map((_, i) => i));
      expect(received).toEqual(ordered ? durations.map((_, i) => i) : finished);
      // Results did wait for the loop (the case this test is about).
      expect(heldBack).toBeGreaterThan(0);
    });
  }
});

describe("mapConcurrent eager completion", () => {
  it("mappings that complete without suspending take no run-queue turn and no worker beyond the first", () => {
    const workers = new Set<unknown>();
    let sum = 0;
    const task = run(function* () {
      yield* mapConcurrent(
        (function* () {
          for (let i = 0; i < 100_000; i++) yield i;
        })(),
        function* (i) {
          workers.add(currentTask());
          return i;
        },
        { limit: 1000 },
      ).forEach((i) => {
        sum += i;
      });
    });
    expect(task.done).toBe(true);
    expect(sum).toBe((100_000 * 99_999) / 2);
    expect(runtimeStats(task)).toMatchObject({ turns: 0, microtasks: 0, promises: 0 });
    expect(workers.size).toBe(1);
  });

  it("an eager mapping frees its slot at once while a slow one is in flight", () => {
    const { task, log } = runVirtual(function* (log) {
      yield* mapConcurrent(
        [100, 0, 0, 0, 0, 0],
        function* (ms) {
          if (ms > 0) yield* sleep(ms);
          return ms;
        },
        { limit: 2 },
      ).forEach((ms) => {
        log.push([ms, runtimeStats(currentTask()).turns]);
      });
    });
    valueOf(task);
    // Five eager items through the one free slot before any turn.
    expect(log).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [100, 1],
    ]);
  });

  it("10 million eager items (limit 1000) run in constant stack", () => {
    let count = 0;
    const task = run(function* () {
      yield* mapConcurrent(
        (function* () {
          for (let i = 0; i < 10_000_000; i++) yield i;
        })(),
        function* (i) {
          return i;
        },
        { limit: 1000, ordered: true },
      ).forEach(() => {
        count++;
      });
    });
    expect(task.done).toBe(true);
    expect(count).toBe(10_000_000);
  }, 120_000);

  it("awaiting a resolved promise through until, 10 000 items, every result arrives", async () => {
    let sum = 0;
    await run(function* () {
      yield* mapConcurrent(
        (function* () {
          for (let i = 0; i < 10_000; i++) yield i;
        })(),
        function* (i) {
          return yield* until(Promise.resolve(i));
        },
        { limit: 1000 },
      ).forEach((i) => {
        sum += i;
      });
    });
    expect(sum).toBe((10_000 * 9_999) / 2);
  });
});

describe("mapConcurrent usage errors", () => {
  const noop = function* () {};
  it.each([
    [{ limit: 1.5 }, new RangeError("mapConcurrent: limit must be a positive integer, got 1.5")],
    [{}, new RangeError("mapConcurrent: limit must be a positive integer, got undefined")],
    [
      { limit: 2, ordered: "yes" },
      new TypeError('mapConcurrent: ordered must be a boolean, got "yes"'),
    ],
    [{ limit: 2, settle: 1 }, new TypeError("mapConcurrent: settle must be a boolean, got 1")],
    [
      { limit: 2, clock: {} },
      new TypeError("mapConcurrent: clock must have now() and setTimer(), got an object (Object)"),
    ],
    [
      undefined,
      new TypeError(
        "mapConcurrent expects options with a limit, like { limit: 10 }, got undefined",
      ),
    ],
  ])("options %j", (options, error) => {
    expect(() => mapConcurrent([1], noop, options as never)).toThrow(error);
  });

  it("a source that is not iterable, a mapping that is not a function", () => {
    expect(() => mapConcurrent(5 as never, noop, { limit: 1 })).toThrow(
      new TypeError("mapConcurrent expects an iterable or async iterable, got 5"),
    );
    expect(() => mapConcurrent([1], null as never, { limit: 1 })).toThrow(
      new TypeError("mapConcurrent expects a mapping function, got null"),
    );
    expect(() => mapConcurrent([1], noop, { limit: 1 }).forEach(7 as never)).toThrow(
      new TypeError("forEach expects a function, got 7"),
    );
  });

  it("a mapping that returns a promise fails with a TypeError that says what to do", () => {
    const task = run(() =>
      mapConcurrent([1], ((i: number) => Promise.resolve(i)) as never, { limit: 1 }).forEach(
        () => {},
      ),
    );
    expect((errorOf(task) as NurseryError).errors).toEqual([
      new TypeError(
        "mapConcurrent: the mapping function must return an operation (a generator object, e.g. from a function*), " +
          "got a promise; to wait for a promise use `yield* until(promise)` or call()",
      ),
    ]);
  });

  it("a consumer that returns a promise fails with a TypeError", () => {
    const task = run(() =>
      mapConcurrent([1], noop, { limit: 1 }).forEach((async () => {}) as never),
    );
    expect((errorOf(task) as NurseryError).errors).toEqual([
      new TypeError(
        "mapConcurrent: the consumer must return an operation (a generator object, e.g. from a function*), " +
          "got a promise; to wait for a promise use `yield* until(promise)` or call()",
      ),
    ]);
  });
});
