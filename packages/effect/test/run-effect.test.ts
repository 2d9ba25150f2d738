// An Effect inside copse: `yield* runEffect(effect)`.
import {
  CancelScope,
  Cancelled,
  nursery,
  NurseryError,
  run,
  sleep,
  type Operation,
} from "@copse/core";
import { failAfter, moveOnAfter, TimeoutError } from "@copse/timeout";
import { Cause, Context, Effect, Layer, ManagedRuntime } from "effect";
import { describe, expect, it } from "vitest";
import { EffectFailure, runEffect } from "../src/index.js";
import {
  errorOf,
  outcomeOf,
  realOutcomeOf,
  slowFinalizer,
  START_PATHS,
  withChild,
} from "./helpers.js";

describe("runEffect: values and failures", () => {
  it("returns the success value; a synchronous Effect completes without suspending", () => {
    const task = run(function* () {
      const a = yield* runEffect(Effect.succeed(20));
      const b = yield* runEffect(Effect.sync(() => a + 1));
      return b * 2;
    });
    expect(task.done).toBe(true);
    expect(task.outcome).toEqual({ status: "ok", value: 42 });
  });

  it("waits for an asynchronous Effect", async () => {
    const value = await run(() => runEffect(Effect.as(Effect.sleep(2), "late")));
    expect(value).toBe("late");
  });

  it("a typed failure is thrown as EffectFailure with the Cause and the typed error", () => {
    const notFound = { _tag: "NotFound", id: 7 } as const;
    const task = run(() => runEffect(Effect.fail(notFound)));
    const failure = errorOf(task.outcome!);
    expect(failure).toBeInstanceOf(EffectFailure);
    const f = failure as EffectFailure<typeof notFound>;
    expect(f.error).toBe(notFound);
    expect(f.cause.reasons).toHaveLength(1);
    expect(Cause.isFailReason(f.cause.reasons[0]!)).toBe(true);
    expect(f.name).toBe("EffectFailure");
    expect(f.message).toBe("the Effect failed with an object (Object)");
  });

  it("a defect is thrown as EffectFailure whose Cause holds the defect; error is undefined", async () => {
    const bug = new Error("bug");
    const task = run(() =>
      runEffect(
        Effect.flatMap(Effect.sleep(1), () =>
          Effect.sync(() => {
            throw bug;
          }),
        ),
      ),
    );
    await task.then(
      () => undefined,
      () => undefined,
    );
    const f = errorOf(task.outcome!) as EffectFailure;
    expect(f).toBeInstanceOf(EffectFailure);
    expect(f.error).toBeUndefined();
    expect(f.cause.reasons.filter(Cause.isDieReason).map((r) => r.defect)).toEqual([bug]);
    expect(f.message).toBe("the Effect died with Error: bug");
  });

  it("an interruption from inside the Effect is an EffectFailure, not Cancelled", () => {
    const task = run(() => runEffect(Effect.interrupt));
    const f = errorOf(task.outcome!) as EffectFailure;
    expect(f).toBeInstanceOf(EffectFailure);
    expect(Cause.hasInterruptsOnly(f.cause)).toBe(true);
    expect(f.message).toMatch(/^the Effect was interrupted by fiber #\d+$/);
  });

  it("a Cause with several reasons keeps all of them and says how many more there are", () => {
    const task = run(() =>
      runEffect(Effect.failCause(Cause.combine(Cause.fail("a"), Cause.die("b")))),
    );
    const f = errorOf(task.outcome!) as EffectFailure<string>;
    expect(f.cause.reasons.map((r) => r._tag)).toEqual(["Fail", "Die"]);
    expect(f.error).toBe("a");
    expect(f.message).toBe('the Effect failed with "a" (and 1 more, see .cause)');
  });

  it("the Effect starts at the yield*, not when runEffect is called", () => {
    const log: string[] = [];
    const task = run(function* () {
      const op = runEffect(Effect.sync(() => log.push("effect ran")));
      log.push("created");
      yield* op;
    });
    expect(task.done).toBe(true);
    expect(log).toEqual(["created", "effect ran"]);
  });
});

describe("runEffect: cancelling the copse task interrupts the fiber and waits for its finalizers", () => {
  it.each(START_PATHS)(
    "task.cancel() (%s): ensuring, acquireRelease and Scope finalizers all end before the task",
    async (path) => {
      const log: string[] = [];
      const effect = Effect.scoped(
        Effect.gen(function* () {
          yield* Effect.addFinalizer(() => slowFinalizer(log, "scope finalizer"));
          yield* Effect.acquireRelease(
            Effect.sync(() => log.push("acquire")),
            () => slowFinalizer(log, "release"),
          );
          yield* Effect.never;
        }),
      ).pipe(Effect.ensuring(slowFinalizer(log, "ensuring")));
      const { outcome } = await realOutcomeOf(() =>
        withChild(
          path,
          function* () {
            try {
              yield* runEffect(effect);
            } finally {
              log.push("copse finally");
            }
          },
          function* (task) {
            yield* sleep(10);
            task.cancel();
            yield* joinQuietly(task);
            log.push(`task ${task.outcome?.status}`);
          },
        ),
      );
      expect(outcome).toEqual({ status: "ok", value: undefined });
      expect(log).toEqual([
        "acquire",
        "release start",
        "release end",
        "scope finalizer start",
        "scope finalizer end",
        "ensuring start",
        "ensuring end",
        "copse finally",
        "task cancelled",
      ]);
    },
  );

  it.each(START_PATHS)(
    "a sibling's failure (%s) interrupts the fiber; the nursery reports only the sibling",
    async (path) => {
      const log: string[] = [];
      const boom = new Error("boom");
      const { outcome } = await realOutcomeOf(() =>
        withChild(
          path,
          () => runEffect(Effect.ensuring(Effect.never, slowFinalizer(log, "ensuring"))),
          function* () {
            yield* sleep(5);
            throw boom;
          },
        ),
      );
      const error = errorOf(outcome);
      expect(error).toBeInstanceOf(NurseryError);
      expect((error as NurseryError).errors).toEqual([boom]);
      expect(log).toEqual(["ensuring start", "ensuring end"]);
    },
  );

  it("a copse timeout around it (failAfter) interrupts it", async () => {
    const log: string[] = [];
    const { outcome } = await realOutcomeOf(function* () {
      try {
        yield* failAfter(10, () =>
          runEffect(Effect.ensuring(Effect.never, slowFinalizer(log, "ensuring"))),
        );
      } finally {
        log.push("after timeout");
      }
    });
    expect(errorOf(outcome)).toBeInstanceOf(TimeoutError);
    expect(log).toEqual(["ensuring start", "ensuring end", "after timeout"]);
  });

  it("a virtual clock does not jump while a task waits for a fiber (work in flight, like call)", async () => {
    const log: string[] = [];
    const { outcome } = await outcomeOf(function* (clock) {
      yield* nursery(function* (n) {
        n.startSoon(function* () {
          yield* sleep(1_000);
          log.push(`timer at ${clock.now()}`);
        });
        yield* runEffect(Effect.sleep(3));
        log.push(`fiber done at ${clock.now()}`);
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual(["fiber done at 0", "timer at 1000"]);
  });

  it("a copse timeout on a virtual clock fires around a fiber that ends (its time does not move meanwhile)", async () => {
    const log: string[] = [];
    const { outcome, clock } = await outcomeOf(function* () {
      return yield* moveOnAfter(100, function* () {
        yield* runEffect(Effect.sleep(3));
        log.push("fiber done");
        yield* sleep(1_000);
        return "unreached";
      });
    });
    expect(outcome).toEqual({ status: "ok", value: undefined });
    expect(log).toEqual(["fiber done"]);
    expect(clock.now()).toBe(100);
  });

  it("moveOnAfter around it returns undefined once the fiber has ended", async () => {
    const log: string[] = [];
    const { outcome } = await realOutcomeOf(function* () {
      const value = yield* moveOnAfter(50, () =>
        runEffect(Effect.ensuring(Effect.never, slowFinalizer(log, "ensuring"))),
      );
      log.push(`value ${String(value)}`);
      return value;
    });
    expect(outcome).toEqual({ status: "ok", value: undefined });
    expect(log).toEqual(["ensuring start", "ensuring end", "value undefined"]);
  });

  it("inside a scope that is already cancelled, the Effect is not started", async () => {
    const log: string[] = [];
    const scope = new CancelScope();
    const { outcome } = await outcomeOf(function* () {
      return yield* scope.run(function* () {
        scope.cancel();
        return yield* runEffect(Effect.sync(() => log.push("started")));
      });
    });
    expect(outcome).toEqual({ status: "ok", value: undefined });
    expect(scope.cancelledCaught).toBe(true);
    expect(log).toEqual([]);
  });

  it("inside a shielded scope the fiber is not interrupted", async () => {
    const log: string[] = [];
    const { outcome } = await outcomeOf(function* () {
      yield* nursery(function* (n) {
        n.startSoon(function* () {
          const value = yield* new CancelScope({ shield: true }).run(() =>
            runEffect(Effect.as(Effect.sleep(5), "finished")),
          );
          log.push(`shielded: ${value}`);
        });
        yield* sleep(1);
        n.cancel();
      });
      log.push("nursery done");
    });
    expect(outcome).toEqual({ status: "ok", value: undefined });
    expect(log).toEqual(["shielded: finished", "nursery done"]);
  });

  it("an uninterruptible region runs to its end; the task then ends cancelled", async () => {
    const log: string[] = [];
    const { outcome } = await realOutcomeOf(() =>
      withChild(
        "startSoon",
        () =>
          runEffect(
            Effect.uninterruptible(
              Effect.gen(function* () {
                yield* Effect.sleep(5);
                log.push("region done");
                return 1;
              }),
            ),
          ),
        function* (task) {
          yield* sleep(1);
          task.cancel();
          yield* joinQuietly(task);
          log.push(`task ${task.outcome?.status}`);
        },
      ),
    );
    expect(outcome.status).toBe("ok");
    expect(log).toEqual(["region done", "task cancelled"]);
  });

  it("a finalizer that fails during the interruption is thrown instead of Cancelled and reported", async () => {
    const bad = new Error("release failed");
    const { outcome } = await realOutcomeOf(() =>
      withChild(
        "startTask",
        () => runEffect(Effect.ensuring(Effect.never, Effect.die(bad))),
        function* (task) {
          yield* sleep(1);
          task.cancel();
        },
      ),
    );
    const error = errorOf(outcome) as NurseryError;
    expect(error).toBeInstanceOf(NurseryError);
    expect(error.errors).toHaveLength(1);
    const f = error.errors[0] as EffectFailure;
    expect(f).toBeInstanceOf(EffectFailure);
    expect(f.cause.reasons.map((r) => r._tag).sort()).toEqual(["Die", "Interrupt"]);
    expect(f.cause.reasons.filter(Cause.isDieReason).map((r) => r.defect)).toEqual([bad]);
  });

  it("cancelling the root through run's signal interrupts the fiber and waits", async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const task = run(
      function* () {
        try {
          yield* runEffect(Effect.ensuring(Effect.never, slowFinalizer(log, "ensuring")));
        } finally {
          log.push("copse finally");
        }
      },
      { signal: controller.signal },
    );
    controller.abort("stop");
    await expect(task).rejects.toBeInstanceOf(Cancelled);
    expect(log).toEqual(["ensuring start", "ensuring end", "copse finally"]);
  });
});

describe("runEffect: services", () => {
  class Counter extends Context.Service<Counter, { next(): number }>()("Counter") {}
  const makeCounter = (log: string[]) =>
    Layer.effect(Counter)(
      Effect.acquireRelease(
        Effect.sync(() => {
          log.push("counter built");
          let n = 0;
          return { next: () => ++n };
        }),
        () => Effect.sync(() => log.push("counter released")),
      ),
    );
  const useCounter = Effect.gen(function* () {
    const counter = yield* Counter;
    return counter.next() + counter.next();
  });

  it("a Layer is built for the run and released when the Effect ends", async () => {
    const log: string[] = [];
    const value = await run(() => runEffect(useCounter, { layer: makeCounter(log) }));
    expect(value).toBe(3);
    expect(log).toEqual(["counter built", "counter released"]);
  });

  it("a ManagedRuntime's services are shared by every run", async () => {
    const log: string[] = [];
    const runtime = ManagedRuntime.make(makeCounter(log));
    try {
      const values = await run(function* () {
        const a = yield* runEffect(useCounter, { runtime });
        const b = yield* runEffect(useCounter, { runtime });
        return [a, b];
      });
      expect(values).toEqual([3, 7]);
      expect(log).toEqual(["counter built"]);
    } finally {
      await runtime.dispose();
    }
    expect(log).toEqual(["counter built", "counter released"]);
  });

  it("a Context provides services that already exist", () => {
    const context = Context.make(Counter, { next: () => 10 });
    const task = run(() => runEffect(useCounter, { context }));
    expect(task.outcome).toEqual({ status: "ok", value: 20 });
  });

  it("a Layer that fails to build is an EffectFailure with its error", () => {
    const broken = Layer.effect(Counter)(Effect.fail("no database"));
    const task = run(() => runEffect(useCounter, { layer: broken }));
    const f = errorOf(task.outcome!) as EffectFailure<string>;
    expect(f).toBeInstanceOf(EffectFailure);
    expect(f.error).toBe("no database");
  });
});

describe("runEffect: usage errors", () => {
  it("rejects what is not an Effect, naming the fix", () => {
    expect(() => runEffect(42 as never)).toThrow(
      new TypeError("runEffect expects an Effect, got 42"),
    );
    expect(() => runEffect((() => Effect.void) as never)).toThrow(
      new TypeError(
        "runEffect expects an Effect, got an anonymous function; call it to get the Effect, or use Effect.suspend",
      ),
    );
  });

  it("rejects options that name no valid runtime, layer or context", () => {
    expect(() => runEffect(Effect.void, "layer" as never)).toThrow(
      new TypeError('runEffect options must be an object, got "layer"'),
    );
    expect(() => runEffect(Effect.void, {} as never)).toThrow(
      new TypeError(
        "runEffect options must name exactly one of runtime, layer or context, got none",
      ),
    );
    expect(() =>
      runEffect(Effect.void, { layer: Layer.empty, context: Context.empty() } as never),
    ).toThrow(
      new TypeError(
        "runEffect options must name exactly one of runtime, layer or context, got layer and context",
      ),
    );
    expect(() => runEffect(Effect.void, { runtime: {} } as never)).toThrow(
      new TypeError("runEffect options.runtime must be a ManagedRuntime, got an object (Object)"),
    );
    expect(() => runEffect(Effect.void, { layer: Effect.void } as never)).toThrow(
      /^runEffect options\.layer must be a Layer, got an object/,
    );
  });

  it("the copse run stays usable after a usage error", () => {
    const task = run(function* () {
      try {
        yield* runEffect(null as never);
        return "unreached";
      } catch (error) {
        return yield* runEffect(Effect.succeed((error as Error).name));
      }
    });
    expect(task.outcome).toEqual({ status: "ok", value: "TypeError" });
  });
});

/** Joins a task and ignores how it ended. */
function* joinQuietly(task: Operation<unknown>): Operation<void> {
  try {
    yield* task;
  } catch {
    // the test looks at the task's outcome instead
  }
}
