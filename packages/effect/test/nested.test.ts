// Nested both ways — copse → Effect → copse → Effect — with cancellation
// crossing every boundary, and failures travelling back up.
import {
  CancelScope,
  Cancelled,
  nursery,
  NurseryError,
  run,
  sleep,
  type Operation,
} from "@copse/core";
import { VirtualClock } from "@copse/testing";
import { Cause, Effect, Exit, Fiber } from "effect";
import { TestClock } from "effect/testing";
import { describe, expect, it } from "vitest";
import { EffectFailure, fromOperation, runEffect } from "../src/index.js";
import { delay, errorOf, realOutcomeOf, slowFinalizer } from "./helpers.js";

/**
 * Four levels: copse (the caller) → Effect (level 1) → copse (level 2) →
 * Effect (level 3, waits forever). Every level logs its cleanup; the two
 * innermost ones wait (a shielded copse sleep, an Effect sleep) before
 * they are done.
 */
function fourLevels(log: string[]): Effect.Effect<never, unknown> {
  const level3 = Effect.ensuring(Effect.never, slowFinalizer(log, "level 3 effect"));
  function* level2(): Operation<never> {
    try {
      return yield* runEffect(level3);
    } finally {
      yield* new CancelScope({ shield: true }).run(() => sleep(2));
      log.push("level 2 copse finally");
    }
  }
  return Effect.ensuring(
    fromOperation(level2),
    Effect.sync(() => log.push("level 1 effect ensuring")),
  );
}

const INNER_TO_OUTER = [
  "level 3 effect start",
  "level 3 effect end",
  "level 2 copse finally",
  "level 1 effect ensuring",
];

describe("nested copse → Effect → copse → Effect", () => {
  it("cancelling the outer copse task reaches the innermost fiber; cleanup runs inside out", async () => {
    const log: string[] = [];
    const task = run(function* () {
      try {
        yield* runEffect(fourLevels(log));
      } finally {
        log.push("outer copse finally");
      }
    });
    await delay(5);
    task.cancel();
    await expect(task).rejects.toBeInstanceOf(Cancelled);
    expect(log).toEqual([...INNER_TO_OUTER, "outer copse finally"]);
  });

  it("interrupting the outer fiber reaches the innermost one; the interruption waits for all of it", async () => {
    const log: string[] = [];
    const outer = Effect.ensuring(
      fromOperation(() => runEffect(fourLevels(log))),
      Effect.sync(() => log.push("outer effect ensuring")),
    );
    const fiber = Effect.runFork(outer);
    await delay(5);
    await Effect.runPromise(Fiber.interrupt(fiber));
    log.push("interrupt returned");
    const exit = fiber.pollUnsafe();
    expect(exit !== undefined && Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)).toBe(
      true,
    );
    expect(log).toEqual([...INNER_TO_OUTER, "outer effect ensuring", "interrupt returned"]);
  });

  it("a sibling's failure in the outer nursery cancels the whole chain; only the sibling is reported", async () => {
    const log: string[] = [];
    const boom = new Error("boom");
    const { outcome } = await realOutcomeOf(() =>
      nursery(function* (n) {
        n.startTask(() => runEffect(fourLevels(log)));
        n.startSoon(function* () {
          yield* sleep(5);
          throw boom;
        });
      }),
    );
    const error = errorOf(outcome) as NurseryError;
    expect(error).toBeInstanceOf(NurseryError);
    expect(error.errors).toEqual([boom]);
    expect(log).toEqual(INNER_TO_OUTER);
  });

  it("a timeout in the middle (Effect.timeout at level 1) cancels only what is inside it", async () => {
    const log: string[] = [];
    const value = await run(function* () {
      try {
        yield* runEffect(Effect.timeout(fourLevels(log), "5 millis"));
        return "unreached";
      } catch (error) {
        const failure = error as EffectFailure;
        return failure.error instanceof Error ? failure.error.name : "?";
      }
    });
    expect(value).toBe("TimeoutError");
    expect(log).toEqual(INNER_TO_OUTER);
  });

  it("a failure at the innermost level arrives at the top with its typed error, every level unwound", async () => {
    const log: string[] = [];
    const invalid = { _tag: "Invalid", field: "email" } as const;
    const task = run(function* () {
      try {
        return yield* runEffect(
          Effect.ensuring(
            fromOperation(function* () {
              try {
                return yield* runEffect(Effect.fail(invalid).pipe(Effect.delay(1)));
              } finally {
                log.push("level 2 copse finally");
              }
            }),
            Effect.sync(() => log.push("level 1 effect ensuring")),
          ),
        );
      } finally {
        log.push("outer copse finally");
      }
    });
    await task.then(
      () => undefined,
      () => undefined,
    );
    const failure = errorOf(task.outcome!) as EffectFailure<typeof invalid>;
    expect(failure).toBeInstanceOf(EffectFailure);
    expect(failure.error).toBe(invalid);
    expect(failure.cause.reasons.map((r) => r._tag)).toEqual(["Fail"]);
    expect(log).toEqual([
      "level 2 copse finally",
      "level 1 effect ensuring",
      "outer copse finally",
    ]);
  });

  it("everything synchronous: the whole chain completes inside run(), no suspension anywhere", () => {
    const task = run(() =>
      runEffect(
        fromOperation(function* () {
          const n = yield* runEffect(Effect.succeed(20));
          return n + 1;
        }).pipe(Effect.map((n) => n * 2)),
      ),
    );
    expect(task.done).toBe(true);
    expect(task.outcome).toEqual({ status: "ok", value: 42 });
    expect(Effect.runSync(fromOperation(() => task))).toBe(42);
  });

  it("on both virtual clocks: TestClock drives the Effect timeout, VirtualClock the copse cleanup", async () => {
    const log: string[] = [];
    const outerClock = new VirtualClock();
    const innerClock = new VirtualClock();
    function* inner(): Operation<never> {
      try {
        return yield* runEffect(Effect.never);
      } finally {
        yield* new CancelScope({ shield: true }).run(() => sleep(250));
        log.push(`inner copse cleanup done at ${innerClock.now()}`);
      }
    }
    const timed = Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(
        Effect.timeout(fromOperation(inner, { clock: innerClock }), "1 minute"),
      );
      yield* TestClock.adjust("1 minute");
      return yield* Fiber.join(fiber);
    }).pipe(Effect.provide(TestClock.layer()));
    const task = run(() => runEffect(timed), { clock: outerClock });
    await task.then(
      () => undefined,
      () => undefined,
    );
    const failure = errorOf(task.outcome!) as EffectFailure;
    expect(failure.error).toBeInstanceOf(Error);
    expect((failure.error as Error).name).toBe("TimeoutError");
    expect(log).toEqual(["inner copse cleanup done at 250"]);
    expect(outerClock.now()).toBe(0);
  });
});
