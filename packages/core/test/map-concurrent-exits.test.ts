// Every way out of a bounded map — the source exhausted, a mapping or the
// consumer failing, leaving a `for await` loop (break, return, throw), the
// caller cancelled, a timeout — for sync and async sources, on the virtual
// clock: what is in flight is cancelled, nothing more is pulled, and the
// source's `return()` is called exactly once (never after `done`).
import { CancelScope, NurseryError, mapConcurrent, nursery, run, sleep } from "@copse/core";
import { VirtualClock } from "@copse/testing";
import { TimeoutError, failAfter, moveOnAfter } from "@copse/timeout";
import { describe, expect, it } from "vitest";
import { KINDS, outcomeOf, sleeper, trackedSource } from "./map-sources.js";

describe.each(KINDS)("mapConcurrent exits, %s source", (kind) => {
  it("source exhausted: every result, no return(), no next() after done", async () => {
    const { source, log } = trackedSource(kind, 7);
    const seen: number[] = [];
    const clock = new VirtualClock();
    const task = run(
      () =>
        mapConcurrent(
          source,
          sleeper((i) => 7 - i, []),
          { limit: 3 },
        ).forEach((i) => {
          seen.push(i);
        }),
      { clock },
    );
    expect((await outcomeOf(task)).status).toBe("ok");
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(log).toEqual({ pulled: 7, returns: 0, nextAfterEnd: 0 });
  });

  it("a mapping fails: in-flight cancelled, no further pull, return() once, NurseryError", async () => {
    const { source, log } = trackedSource(kind);
    const cancelled: number[] = [];
    let pulledAtFailure = -1;
    const failing = sleeper((i) => (i === 2 ? 1 : 10), cancelled);
    const task = run(
      () =>
        mapConcurrent(
          source,
          function* (i) {
            const v = yield* failing(i);
            if (i === 2) {
              pulledAtFailure = log.pulled;
              throw new Error("item 2 failed");
            }
            return v;
          },
          { limit: 4 },
        ).forEach(() => {}),
      { clock: new VirtualClock() },
    );
    const outcome = await outcomeOf(task);
    expect(outcome.status).toBe("error");
    const error = (outcome as { error: NurseryError }).error;
    expect(error).toBeInstanceOf(NurseryError);
    expect(error.errors).toEqual([new Error("item 2 failed")]);
    expect(cancelled.sort()).toEqual([0, 1, 3]);
    expect(pulledAtFailure).toBe(4);
    expect(log).toEqual({ pulled: 4, returns: 1, nextAfterEnd: 0 });
  });

  it("the consumer fails: in-flight cancelled, no further pull, return() once", async () => {
    const { source, log } = trackedSource(kind);
    const cancelled: number[] = [];
    const task = run(
      () =>
        mapConcurrent(
          source,
          sleeper((i) => (i === 1 ? 1 : 10), cancelled),
          {
            limit: 3,
          },
        ).forEach((i) => {
          if (i === 1) throw new Error("consumer failed on 1");
        }),
      { clock: new VirtualClock() },
    );
    const outcome = await outcomeOf(task);
    const error = (outcome as { error: NurseryError }).error;
    expect(error).toBeInstanceOf(NurseryError);
    expect(error.errors).toEqual([new Error("consumer failed on 1")]);
    expect(cancelled.sort()).toEqual([0, 2]);
    expect(log).toEqual({ pulled: 3, returns: 1, nextAfterEnd: 0 });
  });

  it("the caller is cancelled: in-flight cancelled, no further pull, return() once", async () => {
    const { source, log } = trackedSource(kind);
    const cancelled: number[] = [];
    const consumed: number[] = [];
    const clock = new VirtualClock();
    const scope = new CancelScope();
    const task = run(
      () =>
        nursery(function* (n) {
          n.startSoon(function* () {
            yield* sleep(25);
            scope.cancel("enough");
          });
          yield* scope.run(() =>
            mapConcurrent(
              source,
              sleeper(() => 10, cancelled),
              { limit: 2 },
            ).forEach((i) => {
              consumed.push(i);
            }),
          );
        }),
      { clock },
    );
    expect((await outcomeOf(task)).status).toBe("ok");
    expect(scope.cancelledCaught).toBe(true);
    expect(consumed).toEqual([0, 1, 2, 3]);
    expect(cancelled).toEqual([4, 5]);
    expect(clock.now()).toBe(25);
    expect(log).toEqual({ pulled: 6, returns: 1, nextAfterEnd: 0 });
  });

  it("a timeout around it: failAfter throws TimeoutError, moveOnAfter returns", async () => {
    for (const which of ["fail", "move on"] as const) {
      const { source, log } = trackedSource(kind);
      const cancelled: number[] = [];
      const clock = new VirtualClock();
      const body = () =>
        mapConcurrent(
          source,
          sleeper(() => 10, cancelled),
          { limit: 3 },
        ).forEach(() => {});
      const task = run(() => (which === "fail" ? failAfter(15, body) : moveOnAfter(15, body)), {
        clock,
      });
      const outcome = await outcomeOf(task);
      if (which === "fail") {
        expect((outcome as { error: unknown }).error).toBeInstanceOf(TimeoutError);
      } else {
        expect(outcome).toEqual({ status: "ok", value: undefined });
      }
      expect(clock.now()).toBe(15);
      expect(cancelled).toEqual([3, 4, 5]);
      expect(log).toEqual({ pulled: 6, returns: 1, nextAfterEnd: 0 });
    }
  });

  it("the consumer cancels its own scope: eager mappings stop pulling at once", async () => {
    // Nothing suspends here, so the pull is where the cancellation is seen.
    const { source, log } = trackedSource(kind);
    const consumed: number[] = [];
    let pulledAtCancel = -1;
    const task = run(() =>
      new CancelScope().run((scope) =>
        mapConcurrent(
          source,
          function* (i) {
            return i;
          },
          { limit: 4 },
        ).forEach((i) => {
          consumed.push(i);
          if (i === 5) {
            scope.cancel();
            pulledAtCancel = log.pulled;
          }
        }),
      ),
    );
    expect((await outcomeOf(task)).status).toBe("ok");
    expect(consumed).toEqual([0, 1, 2, 3, 4, 5]);
    // An async source has pulls in flight already; none starts after the cancel.
    expect(pulledAtCancel - consumed.length).toBeLessThanOrEqual(kind === "sync" ? 0 : 4);
    expect(log).toEqual({ pulled: pulledAtCancel, returns: 1, nextAfterEnd: 0 });
  });

  for (const exit of ["break", "return", "throw"] as const) {
    it(`for await, ${exit} out of the loop: in-flight cancelled, no further pull, return() once`, async () => {
      const { source, log } = trackedSource(kind);
      const cancelled: number[] = [];
      // No autojump: time in the loop's run would otherwise move on while
      // the loop body runs (every task of that run is blocked then).
      const results = mapConcurrent(
        source,
        sleeper((i) => (i === 0 ? 0 : 100), cancelled),
        {
          limit: 3,
          clock: new VirtualClock({ autojump: false }),
        },
      );
      const seen: number[] = [];
      const loop = async (): Promise<string> => {
        for await (const i of results) {
          seen.push(i);
          if (exit === "break") break;
          if (exit === "return") return "returned";
          throw new Error("thrown in the loop");
        }
        return "left";
      };
      if (exit === "throw") await expect(loop()).rejects.toThrow("thrown in the loop");
      else expect(await loop()).toBe(exit === "break" ? "left" : "returned");
      expect(seen).toEqual([0]);
      // From an async source, item 2 was still being pulled (its pull was cancelled).
      expect(cancelled.sort()).toEqual(kind === "sync" ? [1, 2] : [1]);
      expect(log).toEqual({ pulled: 3, returns: 1, nextAfterEnd: 0 });
    });
  }

  it("for await, a mapping fails: the loop rejects, in-flight cancelled, return() once", async () => {
    const { source, log } = trackedSource(kind);
    const cancelled: number[] = [];
    const failing = sleeper((i) => (i === 1 ? 1 : 50), cancelled);
    const results = mapConcurrent(
      source,
      function* (i) {
        yield* failing(i);
        if (i === 1) throw new Error("item 1 failed");
        return i;
      },
      { limit: 3, clock: new VirtualClock() },
    );
    const seen: number[] = [];
    const error = await (async () => {
      for await (const i of results) seen.push(i);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NurseryError);
    expect((error as NurseryError).errors).toEqual([new Error("item 1 failed")]);
    expect(seen).toEqual([]);
    expect(cancelled.sort()).toEqual([0, 2]);
    expect(log).toEqual({ pulled: 3, returns: 1, nextAfterEnd: 0 });
  });
});

describe("mapConcurrent source edge cases", () => {
  it("a source whose next() throws is not closed, and the error comes out", () => {
    let returns = 0;
    const source: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => {
          throw new Error("source broke");
        },
        return: () => {
          returns++;
          return { done: true, value: undefined };
        },
      }),
    };
    const task = run(() => mapConcurrent(source, function* () {}, { limit: 2 }).forEach(() => {}));
    expect((task.outcome as { error: NurseryError }).error.errors).toEqual([
      new Error("source broke"),
    ]);
    expect(returns).toBe(0);
  });

  it("an async source's return() is awaited when leaving a for await loop", async () => {
    const events: string[] = [];
    async function* source() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        await Promise.resolve();
        events.push("source closed");
      }
    }
    for await (const i of mapConcurrent(
      source(),
      function* (i) {
        return i;
      },
      { limit: 2 },
    )) {
      if (i === 3) break;
    }
    events.push("after the loop");
    expect(events).toEqual(["source closed", "after the loop"]);
  });
});
