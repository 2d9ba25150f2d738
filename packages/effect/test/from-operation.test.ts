// copse inside Effect: `fromOperation(() => op)` is an Effect.
import {
  CancelScope,
  currentTask,
  nursery,
  NurseryError,
  sleep,
  suspend,
  type Operation,
} from "@copse/core";
import { VirtualClock } from "@copse/testing";
import { Cause, Effect, Exit, Fiber, Option, Scope } from "effect";
import { TestClock } from "effect/testing";
import { describe, expect, it } from "vitest";
import { EffectFailure, fromOperation, runEffect } from "../src/index.js";
import { runningMark } from "./helpers.js";

/**
 * A copse operation that waits forever and cleans up for `ms` (shielded)
 * when cancelled; it calls `mark` when it starts.
 */
function* waitThenCleanUp(log: string[], ms: number, mark?: () => void): Operation<never> {
  mark?.();
  try {
    return yield* suspend();
  } finally {
    log.push("copse finally start");
    yield* new CancelScope({ shield: true }).run(() => sleep(ms));
    log.push("copse finally end");
  }
}

function reasonTags(exit: Exit.Exit<unknown, unknown>): string[] {
  return Exit.isFailure(exit) ? exit.cause.reasons.map((r) => r._tag) : [];
}

describe("fromOperation: values and failures", () => {
  it("an operation that finishes without suspending completes synchronously: runSync works", () => {
    const calls: string[] = [];
    const lookup = (key: string) =>
      fromOperation(function* () {
        calls.push(key);
        return key.length;
      });
    expect(Effect.runSync(Effect.all([lookup("a"), lookup("bcd")]))).toEqual([1, 3]);
    expect(calls).toEqual(["a", "bcd"]);
  });

  it("an operation that only sleeps on an autojumping VirtualClock also completes synchronously", () => {
    const clock = new VirtualClock();
    const slept = fromOperation(
      function* () {
        yield* sleep(1_000);
        return "rested";
      },
      { clock },
    );
    expect(Effect.runSync(slept)).toBe("rested");
    expect(clock.now()).toBe(1_000);
  });

  it("an operation that suspends on real time is waited for", async () => {
    const value = await Effect.runPromise(
      fromOperation(function* () {
        yield* sleep(2);
        return "late";
      }),
    );
    expect(value).toBe("late");
  });

  it("every run of the Effect calls the body again", () => {
    let runs = 0;
    const counted = fromOperation(function* () {
      return ++runs;
    });
    expect(Effect.runSync(Effect.all([counted, counted, counted]))).toEqual([1, 2, 3]);
  });

  it("a thrown error is the typed failure, the same object", async () => {
    const boom = new Error("boom");
    const exit = await Effect.runPromiseExit(
      fromOperation(function* () {
        yield* sleep(1);
        throw boom;
      }),
    );
    expect(reasonTags(exit)).toEqual(["Fail"]);
    expect(Exit.isFailure(exit) && Cause.findErrorOption(exit.cause)).toEqual(Option.some(boom));
  });

  it("a NurseryError keeps every member", async () => {
    const a = new Error("a");
    const b = new Error("b");
    const exit = await Effect.runPromiseExit(
      fromOperation(() =>
        nursery(function* (n) {
          // Lazy children always run their first step, so both fail.
          n.startSoon(function* () {
            throw a;
          });
          n.startSoon(function* () {
            throw b;
          });
          yield* sleep(1);
        }),
      ),
    );
    const error = Exit.isFailure(exit)
      ? Option.getOrUndefined(Cause.findErrorOption(exit.cause))
      : 0;
    expect(error).toBeInstanceOf(NurseryError);
    expect((error as NurseryError).errors).toEqual([a, b]);
    expect((error as NurseryError).errors[0]).toBe(a);
  });

  it("an Effect's failure that crossed copse fails with its own Cause again (round trip)", () => {
    const exit = Effect.runSyncExit(
      fromOperation(() => runEffect(Effect.fail({ _tag: "Invalid" as const }))),
    );
    expect(reasonTags(exit)).toEqual(["Fail"]);
    const error = Exit.isFailure(exit)
      ? Option.getOrUndefined(Cause.findErrorOption(exit.cause))
      : 0;
    expect(error).toEqual({ _tag: "Invalid" });
    expect(error).not.toBeInstanceOf(EffectFailure);
  });

  it("an operation that ends cancelled on its own is an interruption from inside", async () => {
    const exit = await Effect.runPromiseExit(
      fromOperation(function* () {
        currentTask().cancel();
        yield* sleep(1);
      }),
    );
    expect(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)).toBe(true);
  });

  it("under runSync, an operation that suspends fails with Effect's AsyncFiberError", async () => {
    const log: string[] = [];
    const exit = Effect.runSyncExit(
      fromOperation(function* () {
        yield* sleep(1);
        log.push("the copse task went on");
      }),
    );
    expect(reasonTags(exit)).toEqual(["Die"]);
    expect(Cause.pretty((exit as Exit.Failure<unknown, unknown>).cause)).toMatch(/AsyncFiberError/);
    // Effect leaves an async fiber running when runSync gives up on it.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(log).toEqual(["the copse task went on"]);
  });
});

describe("fromOperation: interrupting the fiber cancels the copse task and waits for it", () => {
  it("Fiber.interrupt returns after the finally block, also its shielded wait", async () => {
    const log: string[] = [];
    const { mark, running } = runningMark();
    await Effect.runPromise(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(fromOperation(() => waitThenCleanUp(log, 5, mark)));
        yield* running;
        yield* Fiber.interrupt(fiber);
        log.push("interrupted");
        const exit = yield* Fiber.await(fiber);
        log.push(`exit ${reasonTags(exit).join(",")}`);
      }),
    );
    expect(log).toEqual([
      "copse finally start",
      "copse finally end",
      "interrupted",
      "exit Interrupt",
    ]);
  });

  it("Effect.timeout on Effect's TestClock; the copse side on a VirtualClock", async () => {
    const log: string[] = [];
    const clock = new VirtualClock();
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(
          Effect.timeout(
            fromOperation(() => waitThenCleanUp(log, 50), { clock }),
            "1 second",
          ),
        );
        yield* TestClock.adjust("1 second");
        return yield* Fiber.join(fiber);
      }).pipe(Effect.provide(TestClock.layer())),
    );
    expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toMatch(/TimeoutError/);
    expect(log).toEqual(["copse finally start", "copse finally end"]);
    // The shielded cleanup slept 50 ms of copse's virtual time.
    expect(clock.now()).toBe(50);
  });

  it("the losers of Effect.race are cancelled and waited for", async () => {
    const log: string[] = [];
    const { mark, running } = runningMark();
    const winner = await Effect.runPromise(
      Effect.race(
        fromOperation(() => waitThenCleanUp(log, 5, mark)),
        Effect.as(Effect.andThen(running, Effect.sleep(1)), "effect wins"),
      ).pipe(Effect.tap(() => Effect.sync(() => log.push("race returned")))),
    );
    expect(winner).toBe("effect wins");
    expect(log).toEqual(["copse finally start", "copse finally end", "race returned"]);
  });

  it("closing the Scope a fiber was forked in waits for the copse task", async () => {
    const log: string[] = [];
    const { mark, running } = runningMark();
    await Effect.runPromise(
      Effect.gen(function* () {
        const scope = yield* Scope.make();
        yield* Effect.forkIn(
          fromOperation(() => waitThenCleanUp(log, 5, mark)),
          scope,
        );
        yield* running;
        yield* Scope.close(scope, Exit.void);
        log.push("scope closed");
      }),
    );
    expect(log).toEqual(["copse finally start", "copse finally end", "scope closed"]);
  });

  it("a forkChild child is interrupted when its parent ends, and waited for", async () => {
    const log: string[] = [];
    const { mark, running } = runningMark();
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* Effect.forkChild(fromOperation(() => waitThenCleanUp(log, 5, mark)));
        yield* running;
        log.push("parent body done");
      }),
    );
    log.push("parent fiber ended");
    expect(log).toEqual([
      "parent body done",
      "copse finally start",
      "copse finally end",
      "parent fiber ended",
    ]);
  });

  it("a finally block that throws during the interruption is a defect next to the interruption", async () => {
    const cleanupFailed = new Error("cleanup failed");
    const { mark, running } = runningMark();
    const exit = await Effect.runPromise(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(
          fromOperation(function* () {
            mark();
            try {
              yield* suspend();
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw cleanupFailed;
            }
          }),
        );
        yield* running;
        yield* Fiber.interrupt(fiber);
        return yield* Fiber.await(fiber);
      }),
    );
    expect(reasonTags(exit)).toEqual(["Interrupt", "Die"]);
    const defects = Exit.isFailure(exit)
      ? exit.cause.reasons.filter(Cause.isDieReason).map((r) => r.defect)
      : [];
    expect(defects).toEqual([cleanupFailed]);
  });

  it("a nursery that fails while cancelled reports its real failures only, no Cancelled member", async () => {
    const cleanupFailed = new Error("cleanup failed");
    const { mark, running } = runningMark();
    const exit = await Effect.runPromise(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(
          fromOperation(() =>
            nursery(function* (n) {
              mark();
              n.startSoon(function* () {
                try {
                  yield* suspend();
                } catch {
                  throw cleanupFailed;
                }
              });
              n.startSoon(suspend);
            }),
          ),
        );
        yield* running;
        yield* Fiber.interrupt(fiber);
        return yield* Fiber.await(fiber);
      }),
    );
    const defects = Exit.isFailure(exit)
      ? exit.cause.reasons.filter(Cause.isDieReason).map((r) => r.defect)
      : [];
    expect(defects).toHaveLength(1);
    expect(defects[0]).toBeInstanceOf(NurseryError);
    expect((defects[0] as NurseryError).errors).toEqual([cleanupFailed]);
  });

  it("an uninterruptible region around it defers the interruption: the task is not cancelled", async () => {
    const log: string[] = [];
    const { mark, running } = runningMark();
    await Effect.runPromise(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(
          Effect.uninterruptible(
            fromOperation(function* () {
              mark();
              yield* sleep(5);
              log.push("copse finished");
              return 1;
            }),
          ),
        );
        yield* running;
        yield* Fiber.interrupt(fiber);
        log.push("interrupted");
      }),
    );
    expect(log).toEqual(["copse finished", "interrupted"]);
  });
});

describe("fromOperation: usage errors", () => {
  it("rejects what is not a function, naming the fix for a generator object", () => {
    expect(() => fromOperation(42 as never)).toThrow(
      new TypeError("fromOperation expects a function that returns an operation, got 42"),
    );
    const op = (function* () {
      return 1;
    })();
    expect(() => fromOperation(op as never)).toThrow(
      new TypeError(
        "fromOperation expects a function that returns an operation, got an iterator; write fromOperation(() => op): an Effect may run many times",
      ),
    );
  });

  it("rejects bad options", () => {
    const body = function* () {};
    expect(() => fromOperation(body, 1 as never)).toThrow(
      new TypeError("fromOperation options must be an object, got 1"),
    );
    expect(() => fromOperation(body, { clock: { now: () => 0 } } as never)).toThrow(
      new TypeError(
        "fromOperation options.clock must have now() and setTimer(), got an object (Object)",
      ),
    );
    expect(() => fromOperation(body, { name: 3 } as never)).toThrow(
      new TypeError("fromOperation options.name must be a string, got 3"),
    );
  });

  it("names the root task after the option or the body", () => {
    const names = Effect.runSync(
      Effect.all([
        fromOperation(function* lookup() {
          return currentTask().name;
        }),
        fromOperation(
          function* () {
            return currentTask().name;
          },
          { name: "cache" },
        ),
      ]),
    );
    expect(names).toEqual(["lookup", "cache"]);
  });
});
