// Bad input gets a clear error and the runtime stays usable (issue 3).
import {
  CancelScope,
  NurseryError,
  all,
  call,
  currentTask,
  nursery,
  race,
  run,
  sleep,
  sleepUntil,
  type Nursery,
  type Operation,
} from "@copse/core";
import { describe, expect, it } from "vitest";
import { errorOf, runVirtual, valueOf } from "./helpers.js";

/** Runs `misuse` inside a task, checks the error it throws, then checks that the same runtime still works. */
function expectUsable(
  misuse: (n: Nursery) => Operation<unknown>,
  expected: Error | ((caught: unknown) => void),
): void {
  const { task, clock } = runVirtual(function* () {
    let caught: unknown;
    yield* nursery(function* (n) {
      try {
        yield* misuse(n);
      } catch (e) {
        caught = e;
      }
    });
    // Still usable: a sleep, an eager child and a lazy child.
    const after = yield* nursery(function* (n) {
      const a = n.startTask(function* () {
        yield* sleep(1);
        return 1;
      });
      const b = n.startSoon(function* () {
        return 2;
      });
      return (yield* a) + (yield* b);
    });
    return [caught, after];
  });
  const [caught, after] = valueOf(task);
  if (typeof expected === "function") {
    expected(caught);
  } else {
    expect(caught).toEqual(expected);
    expect((caught as Error).constructor).toBe(expected.constructor);
  }
  expect(after).toBe(3);
  expect(clock.now()).toBe(1);
}

describe("bad input", () => {
  it("plain yield of an operation instead of yield*", () => {
    expectUsable(function* () {
      yield sleep(1) as unknown;
    }, new TypeError("a task yielded an operation with plain `yield`; operations must be delegated to with `yield*` (did you mean `yield* op` instead of `yield op`?)"));
  });

  it("plain yield of a promise or a value", () => {
    expectUsable(function* () {
      yield Promise.resolve(1);
    }, new TypeError("a task yielded a promise; tasks may only `yield*` operations (use `yield* call(() => promise)` to wait for a promise)"));
    expectUsable(function* () {
      yield 5;
    }, new TypeError("a task yielded 5; tasks may only `yield*` operations (use `yield* call(() => promise)` to wait for a promise)"));
  });

  it("a non-function passed to startSoon, startTask or start", () => {
    for (const method of ["startSoon", "startTask", "start"] as const) {
      expectUsable(
        function* (n) {
          (n[method] as (fn: unknown) => unknown)(42);
        },
        new TypeError(`${method} expects a function that returns an operation, got 42`),
      );
    }
  });

  it("a start function that returns something other than an operation", () => {
    const { task } = runVirtual(function* () {
      yield* nursery(function* (n) {
        n.startSoon((() => Promise.resolve(1)) as never);
      });
    });
    const group = errorOf(task) as AggregateError;
    expect(group.errors[0]).toEqual(
      new TypeError(
        "the function given to start a task must return an operation (a generator object, e.g. from a function*), got a promise; to wait for a promise use call() or until()",
      ),
    );
  });

  it("starting on a finished nursery", () => {
    let saved!: Nursery;
    let calls = 0;
    expectUsable(function* () {
      yield* nursery(function* (n) {
        saved = n;
      });
      saved.startSoon(function* () {
        calls++;
      });
    }, new Error("Nursery is closed to new arrivals: it has finished; start the task in a nursery that is still open (an enclosing one)"));
    expect(calls).toBe(0);
  });

  it("running a CancelScope twice", () => {
    const scope = new CancelScope();
    expectUsable(function* () {
      yield* scope.run(function* () {});
      yield* scope.run(function* () {});
    }, new Error("Each CancelScope may only be run once, by one task; create a new CancelScope for each run"));
  });

  it("NaN and negative durations", () => {
    expect(() => sleep(-1)).toThrow(
      new RangeError("sleep: the duration must be non-negative, got -1"),
    );
    expect(() => sleep(NaN)).toThrow(
      new RangeError("sleep: the duration must be a number (not NaN), got NaN"),
    );
    expect(() => sleepUntil(NaN)).toThrow(
      new RangeError("sleepUntil: the time must be a number (not NaN), got NaN"),
    );
    expect(() => new CancelScope({ deadline: NaN })).toThrow(
      new RangeError("CancelScope deadline must be a number (not NaN), got NaN"),
    );
    expect(() => new CancelScope({ relativeDeadline: -1 })).toThrow(
      new RangeError("CancelScope relativeDeadline must be non-negative, got -1"),
    );
    expect(() => new CancelScope({ deadline: 7, relativeDeadline: 3 })).toThrow(
      new TypeError("Cannot specify both a deadline and a relative deadline for a CancelScope"),
    );
    const scope = new CancelScope();
    expect(() => (scope.deadline = NaN)).toThrow(RangeError);
    expect(scope.deadline).toBe(Infinity);
    expectUsable(function* () {
      yield* sleep(-5);
    }, new RangeError("sleep: the duration must be non-negative, got -5"));
  });

  it("shield set to a non-boolean", () => {
    const scope = new CancelScope();
    expect(() => ((scope as { shield: unknown }).shield = 1)).toThrow(
      new TypeError("CancelScope.shield must be a boolean, got 1"),
    );
    expect(scope.shield).toBe(false);
    expect(() => new CancelScope({ shield: "yes" as never })).toThrow(
      new TypeError('CancelScope.shield must be a boolean, got "yes"'),
    );
  });

  it("started() called twice", () => {
    // The second call throws in the child, which by then belongs to the
    // target nursery: the error comes out of that nursery.
    expectUsable(
      function* () {
        yield* nursery(function* (n) {
          yield* n.start<number>(function* (started) {
            started(1);
            started(2);
          });
        });
      },
      (caught) => {
        expect(caught).toBeInstanceOf(NurseryError);
        expect((caught as NurseryError).errors).toEqual([
          new Error(
            "started() was called twice for the same task; call it once, when the task is ready",
          ),
        ]);
      },
    );
  });

  it("a child that returns without calling started()", () => {
    expectUsable(function* (n) {
      yield* n.start(function* worker() {});
    }, new Error("the task worker given to start() returned without calling started(); call started(value) once it is ready"));
  });

  it("currentTask() outside any task", () => {
    expect(() => currentTask()).toThrow(
      new Error("currentTask() must be called from inside a copse task (no task is running)"),
    );
    expect(() => run(42 as never)).toThrow(
      new TypeError("run expects a function that returns an operation, got 42"),
    );
  });

  it("a task that joins itself", () => {
    expectUsable(function* () {
      yield* currentTask();
    }, new Error("task main tried to join itself, which would never finish"));
  });

  it("bad inputs to all, race and call", () => {
    expect(() => all(5 as never)).toThrow(
      new TypeError("all expects an iterable of operations, got 5"),
    );
    expect(() => call("x" as never)).toThrow(
      new TypeError('call expects a function that returns a promise, got "x"'),
    );
    expectUsable(function* () {
      yield* race([]);
    }, new TypeError("race needs at least one operation"));
  });
});
