// Bounded concurrency over huge, lazy or async sources.
import { CancelScope, NurseryError, mapConcurrent, run, sleep, type Operation } from "@copse/core";
import { describe, expect, it } from "vitest";
import { errorOf, runVirtual, valueOf } from "./helpers.js";

describe("mapConcurrent", () => {
  it("yields results in completion order with at most `limit` in flight, pulling lazily", () => {
    const pulls: number[] = [];
    function* source() {
      for (let i = 0; i < 8; i++) {
        pulls.push(i);
        yield i;
      }
    }
    let inFlight = 0;
    let maxInFlight = 0;
    const { task, log, clock } = runVirtual(function* (log, clock) {
      yield* mapConcurrent(
        source(),
        function* (i) {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          yield* sleep([5, 1, 3, 2, 4, 1, 1, 1][i]!);
          inFlight--;
          return i;
        },
        { limit: 3 },
      ).forEach((i) => {
        log.push([i, clock.now(), pulls.length]);
      });
    });
    valueOf(task);
    expect(maxInFlight).toBe(3);
    // [item, time consumed, items pulled so far]: a slot is refilled right
    // after each result is consumed, never before.
    expect(log).toEqual([
      [1, 1, 3],
      [2, 3, 4],
      [3, 3, 5],
      [5, 4, 6],
      [0, 5, 7],
      [6, 5, 8],
      [7, 6, 8],
      [4, 7, 8],
    ]);
    expect(clock.now()).toBe(7);
  });

  it("reads an async source", async () => {
    async function* source() {
      for (let i = 0; i < 5; i++) {
        await Promise.resolve();
        yield i;
      }
    }
    const seen: number[] = [];
    await run(function* () {
      yield* mapConcurrent(
        source(),
        function* (i) {
          return i * 10;
        },
        { limit: 2 },
      ).forEach((v) => {
        seen.push(v);
      });
    });
    expect(seen).toEqual([0, 10, 20, 30, 40]);
  });

  it("a failure stops pulling, cancels what is in flight, and closes the source", () => {
    let pulled = 0;
    let closed = false;
    function* source() {
      try {
        for (let i = 0; i < 1000; i++) {
          pulled++;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const cancelled: number[] = [];
    const { task } = runVirtual(function* () {
      yield* mapConcurrent(
        source(),
        function* (i) {
          try {
            yield* sleep(i === 2 ? 1 : 10);
          } catch (e) {
            cancelled.push(i);
            throw e;
          }
          if (i === 2) throw new Error("item 2 failed");
          return i;
        },
        { limit: 4 },
      ).forEach(() => {});
    });
    const error = errorOf(task) as NurseryError;
    expect(error.errors).toEqual([new Error("item 2 failed")]);
    expect(pulled).toBe(4);
    expect(cancelled.sort()).toEqual([0, 1, 3]);
    expect(closed).toBe(true);
  });

  it("cancellation from outside stops it", () => {
    const { task, clock } = runVirtual(function* () {
      let consumed = 0;
      yield* new CancelScope({ deadline: 25 }).run(() =>
        mapConcurrent(
          [10, 10, 10, 10, 10, 10],
          function* (d) {
            yield* sleep(d);
          },
          { limit: 2 },
        ).forEach(() => {
          consumed++;
        }),
      );
      return consumed;
    });
    expect(valueOf(task)).toBe(4);
    expect(clock.now()).toBe(25);
  });

  it("for await: leaving the loop early cancels what is in flight", async () => {
    const cleaned: number[] = [];
    const seen: number[] = [];
    const results = mapConcurrent(
      [1, 2, 3, 4, 5],
      function* (i): Operation<number> {
        try {
          if (i > 1) yield* sleep(1000);
          return i;
        } finally {
          cleaned.push(i);
        }
      },
      { limit: 3 },
    );
    for await (const value of results) {
      seen.push(value);
      break;
    }
    expect(seen).toEqual([1]);
    // 1 finished eagerly; 2 and 3 were in flight (limit 3) and were cancelled.
    expect(cleaned.sort()).toEqual([1, 2, 3]);
  });

  it("for await: a failure rejects the loop", async () => {
    const results = mapConcurrent(
      [1, 2],
      function* (i): Operation<number> {
        if (i === 2) throw new Error("boom");
        return i;
      },
      { limit: 1 },
    );
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of results) seen.push(value);
      })(),
    ).rejects.toBeInstanceOf(NurseryError);
    expect(seen).toEqual([1]);
  });

  it("rejects a bad limit", () => {
    expect(() => mapConcurrent([], function* () {}, { limit: 0 })).toThrow(
      new RangeError("mapConcurrent: limit must be a positive integer, got 0"),
    );
  });
});
