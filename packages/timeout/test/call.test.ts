// A timeout around `call((signal) => fetch-like work)`.
//
// How virtual time moves here: with autojump, a VirtualClock jumps to the
// next timer only when every task is blocked AND no `call`/`until` promise
// is pending — a pending promise may be real I/O that settles at any
// moment, so jumping past it would be wrong. While the call below waits,
// time therefore stands still, and the test drives it with
// `clock.advance(ms)`: that fires the runtime's clock timer, which expires
// the deadline and runs the woken task synchronously inside `advance`. The
// promises are settled by hand (deferreds), never by wall-clock timers.
import { Cancelled, call, nursery, sleep } from "@copse/core";
import { describe, expect, it } from "vitest";
import { failAfter, moveOnAfter, TimeoutError } from "../src/index.js";
import { runVirtual } from "./helpers.js";

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fetch-like function that ignores its signal: it settles only when the test says so. */
function stubbornFetch(response: Deferred<string>, seen: AbortSignal[]) {
  return (_url: string, init: { signal: AbortSignal }): Promise<string> => {
    seen.push(init.signal);
    return response.promise;
  };
}

describe("failAfter around call()", () => {
  it("aborts the signal at the deadline and throws TimeoutError on time, though the promise never settles", async () => {
    const signals: AbortSignal[] = [];
    const fetchLike = stubbornFetch(deferred<string>(), signals);
    const { task, clock } = runVirtual(() =>
      failAfter(2000, () => call((signal) => fetchLike("https://example.test/", { signal }))),
    );
    expect(task.done).toBe(false);
    expect(clock.now()).toBe(0);
    expect(signals).toHaveLength(1);

    clock.advance(1999);
    expect(task.done).toBe(false);
    expect(signals[0]!.aborted).toBe(false);

    clock.advance(1);
    expect(clock.now()).toBe(2000);
    expect(task.done).toBe(true);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBeInstanceOf(Cancelled);
    const error = task.outcome?.status === "error" ? task.outcome.error : undefined;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).deadline).toBe(2000);
    await expect(Promise.resolve(task)).rejects.toBe(error);
  });

  it("an abandoned promise that settles (or rejects) after the deadline changes nothing and is never unhandled", async () => {
    const ok = deferred<string>();
    const bad = deferred<string>();
    const signals: AbortSignal[] = [];
    const { task, clock } = runVirtual(function* () {
      const results: unknown[] = [];
      for (const response of [ok, bad]) {
        try {
          results.push(yield* failAfter(100, () => call(() => response.promise)));
        } catch (error) {
          results.push((error as Error).name);
        }
      }
      yield* moveOnAfter(100, () => call((signal) => (signals.push(signal), bad.promise)));
      return results;
    });
    clock.advance(100);
    clock.advance(100);
    clock.advance(100);
    expect(task.outcome).toEqual({ status: "ok", value: ["TimeoutError", "TimeoutError"] });
    expect(clock.now()).toBe(300);
    expect(signals[0]!.aborted).toBe(true);
    // Late answers: the tasks have moved on. The rejection is handled by
    // copse (the shared test setup fails any test with an unhandled one).
    ok.resolve("late");
    bad.reject(new Error("late failure"));
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    expect(task.outcome).toEqual({ status: "ok", value: ["TimeoutError", "TimeoutError"] });
  });

  it("work that honours the signal: still TimeoutError (not the AbortError), at the deadline", async () => {
    let signal: AbortSignal | undefined;
    const { task, clock } = runVirtual(() =>
      failAfter(500, () =>
        call(
          (s) =>
            new Promise<string>((_resolve, reject) => {
              signal = s;
              s.addEventListener("abort", () => reject(new Error("AbortError: aborted")));
            }),
        ),
      ),
    );
    clock.advance(500);
    expect(signal!.aborted).toBe(true);
    await expect(Promise.resolve(task)).rejects.toBeInstanceOf(TimeoutError);
    expect(clock.now()).toBe(500);
  });

  it("a call that settles before the deadline returns its value and disarms the deadline", async () => {
    const response = deferred<string>();
    const { task, clock } = runVirtual(function* (clk) {
      const body = yield* failAfter(2000, () => call(() => response.promise));
      const at = clk.now();
      // After the promise settled, autojump drives time again.
      yield* sleep(5000);
      return [body, at, clk.now()];
    });
    clock.advance(300);
    response.resolve("<html>");
    expect(await task).toEqual(["<html>", 300, 5300]);
    // The 2000 ms deadline timer was removed when the block ended.
    expect(clock.pendingTimers).toBe(0);
  });

  it("several calls with their own timeouts in one nursery: each aborts at its own deadline, in deadline order", async () => {
    const log: unknown[] = [];
    const signals = new Map<number, AbortSignal>();
    const { task, clock } = runVirtual(function* (clk) {
      yield* nursery(function* (n) {
        for (const ms of [300, 100, 200]) {
          n.startTask(function* () {
            try {
              yield* failAfter(ms, () =>
                call((signal) => (signals.set(ms, signal), new Promise<never>(() => {}))),
              );
            } catch (error) {
              log.push([ms, (error as Error).name, clk.now()]);
            }
          });
        }
      });
    });
    for (let t = 0; t < 300; t += 50) {
      clock.advance(50);
      const aborted = [...signals].filter(([, s]) => s.aborted).map(([ms]) => ms);
      expect(aborted.sort((a, b) => a - b)).toEqual([100, 200, 300].filter((ms) => ms <= t + 50));
    }
    await task;
    expect(log).toEqual([
      [100, "TimeoutError", 100],
      [200, "TimeoutError", 200],
      [300, "TimeoutError", 300],
    ]);
  });
});
