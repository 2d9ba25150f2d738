// docs/cases.md, timeouts (T cases), one test per case id, on the virtual clock.
// The catalogue's times are scaled: 1 there = 1000 ms here (so 0.5 -> 500 ms).
import {
  Cancelled,
  CancelScope,
  checkpoint,
  nursery,
  NurseryError,
  sleep,
  suspend,
  type Operation,
} from "@copse/core";
import { waitAllTasksBlocked } from "@copse/testing";
import { describe, expect, it } from "vitest";
import {
  currentEffectiveDeadline as ced,
  failAfter,
  failAt,
  moveOnAfter,
  moveOnAt,
  TimeoutError,
} from "../src/index.js";
import { errorOf, outcomeOf } from "./helpers.js";

/** Whatever a scope's two flags are, as a pair. */
function flags(s: CancelScope | undefined): [boolean, boolean] {
  return [s!.cancelCalled, s!.cancelledCaught];
}

describe("T: timeouts", () => {
  it("T01 moveOnAfter fires: the block ends normally, flags set", async () => {
    const log: unknown[] = [];
    let s: CancelScope | undefined;
    const { outcome } = await outcomeOf(function* (clock) {
      const value = yield* moveOnAfter(1000, function* (scope) {
        s = scope;
        yield* sleep(100_000);
        log.push("unreached");
        return "value";
      });
      log.push([clock.now(), s!.cancelCalled, s!.cancelledCaught]);
      return value;
    });
    expect(log).toEqual([[1000, true, true]]);
    expect(outcome).toEqual({ status: "ok", value: undefined });
  });

  it("T02 moveOnAfter does not fire", async () => {
    const log: unknown[] = [];
    let s: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* () {
      return yield* moveOnAfter(1000, function* (scope) {
        s = scope;
        yield* sleep(500);
        log.push("done");
        return "value";
      });
    });
    expect(log).toEqual(["done"]);
    expect(clock.now()).toBe(500);
    expect(flags(s)).toEqual([false, false]);
    expect(outcome).toEqual({ status: "ok", value: "value" });
    // The deadline timer left with the block: nothing jumps to 1000 later.
    expect(clock.pendingTimers).toBe(0);
  });

  it("T03 failAfter fires: TimeoutError", async () => {
    const log: unknown[] = [];
    let s: CancelScope | undefined;
    let thrown: unknown;
    await outcomeOf(function* (clock) {
      try {
        yield* failAfter(1000, function* (scope) {
          s = scope;
          yield* sleep(100_000);
        });
      } catch (error) {
        thrown = error;
        log.push([clock.now(), s!.cancelledCaught]);
      }
    });
    expect(log).toEqual([[1000, true]]);
    expect(thrown).toBeInstanceOf(TimeoutError);
    expect(thrown).not.toBeInstanceOf(Cancelled);
    const error = thrown as TimeoutError;
    expect(error.name).toBe("TimeoutError");
    expect(error.deadline).toBe(1000);
    expect(error.message).toBe(
      "the block did not finish before its deadline (1000 ms on the runtime's clock)",
    );
  });

  it("T03 failAfter fires: a Cancelled caught and rethrown inside is still converted", async () => {
    const log: unknown[] = [];
    const { outcome } = await outcomeOf(function* (clock) {
      yield* failAfter(1000, function* () {
        try {
          yield* sleep(100_000);
        } catch (error) {
          const cancelled = error as Cancelled;
          log.push([error instanceof Cancelled, cancelled.source, cancelled.message, clock.now()]);
          throw error;
        }
      });
    });
    expect(log).toEqual([[true, "deadline", "cancelled due to deadline", 1000]]);
    expect(errorOf(outcome)).toBeInstanceOf(TimeoutError);
  });

  it("T04 failAfter does not fire", async () => {
    let s: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* () {
      return yield* failAfter(100_000, function* (scope) {
        s = scope;
        yield* checkpoint();
        return 42;
      });
    });
    expect(outcome).toEqual({ status: "ok", value: 42 });
    expect(flags(s)).toEqual([false, false]);
    expect(clock.now()).toBe(0);
  });

  it("T05 nested timeouts, the outer fires first", async () => {
    const log: unknown[] = [];
    let outer: CancelScope | undefined;
    let inner: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* () {
      yield* moveOnAfter(1000, function* (o) {
        outer = o;
        yield* moveOnAfter(2000, function* (i) {
          inner = i;
          yield* sleep(10_000);
        });
        log.push("after-inner");
      });
    });
    expect(log).toEqual([]);
    expect(clock.now()).toBe(1000);
    expect(flags(outer)).toEqual([true, true]);
    expect(flags(inner)).toEqual([false, false]);
    expect(outcome.status).toBe("ok");
  });

  it("T06 nested timeouts, the inner fires first", async () => {
    const log: unknown[] = [];
    let outer: CancelScope | undefined;
    let inner: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* (clk) {
      const t0 = clk.now();
      yield* moveOnAfter(2000, function* (o) {
        outer = o;
        yield* moveOnAfter(1000, function* (i) {
          inner = i;
          yield* sleep(10_000);
        });
        log.push(["after-inner", clk.now() - t0]);
        yield* sleep(10_000);
      });
    });
    expect(log).toEqual([["after-inner", 1000]]);
    expect(clock.now()).toBe(2000);
    expect(flags(inner)).toEqual([true, true]);
    expect(flags(outer)).toEqual([true, true]);
    expect(outcome.status).toBe("ok");
  });

  it("T08 nested failAfter, outer fires first: exactly one TimeoutError", async () => {
    const log: unknown[] = [];
    const caught: [string, unknown][] = [];
    let o: CancelScope | undefined;
    let i: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* () {
      try {
        yield* failAfter(1000, function* (outer) {
          o = outer;
          try {
            yield* failAfter(2000, function* (inner) {
              i = inner;
              yield* sleep(10_000);
            });
          } catch (error) {
            caught.push(["inner", error]);
            throw error;
          }
        });
      } catch (error) {
        caught.push(["outer", error]);
        log.push([o!.cancelledCaught, i!.cancelCalled, i!.cancelledCaught]);
      }
    });
    expect(log).toEqual([[true, false, false]]);
    // The inner block saw the outer's Cancelled, never a TimeoutError of its own.
    expect(caught.map(([where, e]) => [where, (e as Error).name])).toEqual([
      ["inner", "Cancelled"],
      ["outer", "TimeoutError"],
    ]);
    expect((caught[1] as [string, TimeoutError])[1].deadline).toBe(1000);
    expect(clock.now()).toBe(1000);
    expect(outcome.status).toBe("ok");
  });

  it("T08 (equal deadlines) the outer scope wins: no TimeoutError from the inner failAfter", async () => {
    let inner: CancelScope | undefined;
    let outer: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* () {
      return yield* moveOnAfter(1000, function* (o) {
        outer = o;
        yield* failAfter(1000, function* (i) {
          inner = i;
          yield* sleep(10_000);
        });
        return "unreached";
      });
    });
    expect(outcome).toEqual({ status: "ok", value: undefined });
    expect(clock.now()).toBe(1000);
    expect(flags(outer)).toEqual([true, true]);
    expect(flags(inner)).toEqual([true, false]);
  });

  describe("T09 zero timeouts", () => {
    it("T09 moveOnAfter(0) expires at the first checkpoint inside", async () => {
      const log: unknown[] = [];
      let s: CancelScope | undefined;
      const { outcome, clock } = await outcomeOf(function* () {
        return yield* moveOnAfter(0, function* (scope) {
          s = scope;
          yield* checkpoint();
          log.push("unreached");
        });
      });
      expect(log).toEqual([]);
      expect(flags(s)).toEqual([true, true]);
      expect(clock.now()).toBe(0);
      expect(outcome).toEqual({ status: "ok", value: undefined });
    });

    it("T09 failAfter(0) without a checkpoint: no TimeoutError, cancelCalled but not caught", async () => {
      const log: unknown[] = [];
      let s: CancelScope | undefined;
      const { outcome } = await outcomeOf(function* () {
        return yield* failAfter(0, function* (scope) {
          s = scope;
          log.push("no-checkpoint");
          return "value";
        });
      });
      expect(log).toEqual(["no-checkpoint"]);
      expect(outcome).toEqual({ status: "ok", value: "value" });
      expect(flags(s)).toEqual([true, false]);
    });

    it("T09 failAfter(0) around sleep(0): TimeoutError", async () => {
      let s: CancelScope | undefined;
      const { outcome, clock } = await outcomeOf(function* () {
        yield* failAfter(0, function* (scope) {
          s = scope;
          yield* sleep(0);
        });
      });
      expect(errorOf(outcome)).toBeInstanceOf(TimeoutError);
      expect(flags(s)).toEqual([true, true]);
      expect(clock.now()).toBe(0);
    });

    it("T09 moveOnAt(now()) then sleep(0) is cancelled", async () => {
      let s: CancelScope | undefined;
      const { outcome, clock } = await outcomeOf(
        function* (clk) {
          return yield* moveOnAt(clk.now(), function* (scope) {
            s = scope;
            yield* sleep(0);
            return "unreached";
          });
        },
        { start: 7000 },
      );
      expect(outcome).toEqual({ status: "ok", value: undefined });
      expect(flags(s)).toEqual([true, true]);
      expect(clock.now()).toBe(7000);
    });
  });

  describe("T10 negative timeouts and past deadlines", () => {
    it("T10 negative durations are a RangeError before anything runs", async () => {
      let bodyCalls = 0;
      const body = function* (): Operation<void> {
        bodyCalls++;
      };
      const messages: string[] = [];
      const { outcome } = await outcomeOf(function* () {
        for (const make of [
          () => moveOnAfter(-1, body),
          () => failAfter(-1, body),
          () => sleep(-1),
        ]) {
          try {
            make();
            messages.push("no error");
          } catch (error) {
            expect(error).toBeInstanceOf(RangeError);
            messages.push((error as Error).message);
          }
        }
        // The runtime is still usable afterwards.
        yield* sleep(10);
        return "still running";
      });
      expect(messages).toEqual([
        "moveOnAfter: the duration must be non-negative, got -1",
        "failAfter: the duration must be non-negative, got -1",
        "sleep: the duration must be non-negative, got -1",
      ]);
      expect(bodyCalls).toBe(0);
      expect(outcome).toEqual({ status: "ok", value: "still running" });
    });

    it("T10 moveOnAt a time in the past: the first checkpoint inside raises", async () => {
      const log: unknown[] = [];
      let s: CancelScope | undefined;
      const { outcome, clock } = await outcomeOf(
        function* (clk) {
          yield* moveOnAt(clk.now() - 5000, function* (scope) {
            s = scope;
            log.push("entered");
            yield* checkpoint();
            log.push("unreached");
          });
          return "after";
        },
        { start: 10_000 },
      );
      expect(log).toEqual(["entered"]);
      expect(flags(s)).toEqual([true, true]);
      expect(clock.now()).toBe(10_000);
      expect(outcome).toEqual({ status: "ok", value: "after" });
    });

    it("T10 failAt a time in the past + checkpoint: TimeoutError", async () => {
      const { outcome, clock } = await outcomeOf(
        function* (clk) {
          yield* failAt(clk.now() - 5000, () => checkpoint());
        },
        { start: 10_000 },
      );
      const error = errorOf(outcome) as TimeoutError;
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error.deadline).toBe(5000);
      expect(clock.now()).toBe(10_000);
    });
  });

  it("T11 NaN is rejected (timeouts and their scope's deadline)", async () => {
    const body = function* (): Operation<void> {};
    const errors: unknown[] = [];
    const attempt = (f: () => unknown): void => {
      try {
        f();
        errors.push("no error");
      } catch (error) {
        errors.push(error);
      }
    };
    const { outcome } = await outcomeOf(function* () {
      attempt(() => moveOnAfter(NaN, body));
      attempt(() => failAfter(NaN, body));
      attempt(() => moveOnAt(NaN, body));
      attempt(() => failAt(NaN, body));
      attempt(() => new CancelScope({ deadline: 7, relativeDeadline: 3 }));
      yield* moveOnAfter(1000, function* (s) {
        attempt(() => (s.deadline = NaN));
        attempt(() => (s.relativeDeadline = NaN));
        attempt(() => (s.relativeDeadline = -1));
        // A rejected assignment leaves the deadline as it was.
        expect(s.deadline).toBe(1000);
      });
    });
    expect(outcome.status).toBe("ok");
    expect(errors.map((e) => [(e as Error).name, (e as Error).message])).toEqual([
      ["RangeError", "moveOnAfter: the duration must be a number (not NaN), got NaN"],
      ["RangeError", "failAfter: the duration must be a number (not NaN), got NaN"],
      ["RangeError", "moveOnAt: the deadline must be a number (not NaN), got NaN"],
      ["RangeError", "failAt: the deadline must be a number (not NaN), got NaN"],
      ["TypeError", "Cannot specify both a deadline and a relative deadline for a CancelScope"],
      ["RangeError", "CancelScope deadline must be a number (not NaN), got NaN"],
      ["RangeError", "CancelScope relativeDeadline must be a number (not NaN), got NaN"],
      ["RangeError", "CancelScope relativeDeadline must be non-negative, got -1"],
    ]);
  });

  it("T11 a body that is not a function is a TypeError at the call", async () => {
    const bad = undefined as unknown as () => Operation<void>;
    expect(() => moveOnAfter(1, bad)).toThrow(
      new TypeError("moveOnAfter expects a function that returns an operation, got undefined"),
    );
    expect(() => failAt(1, bad)).toThrow(
      new TypeError("failAt expects a function that returns an operation, got undefined"),
    );
  });

  it("T12 infinite deadline", async () => {
    const log: unknown[] = [];
    let s: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* () {
      yield* moveOnAfter(Infinity, function* (scope) {
        s = scope;
        log.push([scope.deadline, ced()]);
        yield* sleep(5000);
      });
    });
    expect(log).toEqual([[Infinity, Infinity]]);
    expect(clock.now()).toBe(5000);
    expect(s!.cancelCalled).toBe(false);
    expect(outcome.status).toBe("ok");
  });

  it("T12 (C12.3) setting deadline = Infinity after entry disarms the timer", async () => {
    let s: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* () {
      return yield* failAfter(2000, function* (scope) {
        s = scope;
        yield* sleep(1000);
        scope.deadline = Infinity;
        yield* sleep(10_000);
        return "slept";
      });
    });
    expect(outcome).toEqual({ status: "ok", value: "slept" });
    expect(clock.now()).toBe(11_000);
    expect(s!.cancelCalled).toBe(false);
  });

  it("T13 a relative deadline is fixed at entry (yield*), not at construction", async () => {
    const log: unknown[] = [];
    let t1 = NaN;
    const { outcome, clock } = await outcomeOf(function* (clk) {
      const s = moveOnAfter(5000, function* (scope) {
        log.push(scope.deadline - t1, scope.relativeDeadline);
        yield* suspend();
      });
      yield* sleep(3000);
      t1 = clk.now();
      yield* s;
      return clk.now();
    });
    expect(log).toEqual([5000, 5000]);
    expect(outcome).toEqual({ status: "ok", value: 8000 });
    expect(clock.now()).toBe(8000);
  });

  it("T13 the same timeout operation run twice gets a fresh scope and deadline each time", async () => {
    const scopes: CancelScope[] = [];
    const fired: number[] = [];
    const { outcome } = await outcomeOf(function* (clk) {
      const op = failAfter(100, function* (scope) {
        scopes.push(scope);
        yield* suspend();
      });
      for (let k = 0; k < 2; k++) {
        try {
          yield* op;
        } catch (error) {
          expect(error).toBeInstanceOf(TimeoutError);
          fired.push(clk.now());
        }
        yield* sleep(50);
      }
    });
    expect(outcome.status).toBe("ok");
    expect(fired).toEqual([100, 250]);
    expect(scopes[0]).not.toBe(scopes[1]);
  });

  it("T14 user code swallows the Cancelled inside failAfter: no TimeoutError", async () => {
    const log: unknown[] = [];
    let s: CancelScope | undefined;
    const { outcome } = await outcomeOf(function* (clock) {
      return yield* failAfter(1000, function* (scope) {
        s = scope;
        try {
          yield* sleep(5000);
        } catch (error) {
          if (!(error instanceof Cancelled)) throw error;
          log.push(["swallowed", clock.now()]);
        }
        return "swallowed";
      });
    });
    expect(log).toEqual([["swallowed", 1000]]);
    expect(outcome).toEqual({ status: "ok", value: "swallowed" });
    expect(flags(s)).toEqual([true, false]);
  });

  it("T16 foreign cancellation inside an unexpired failAfter is not a timeout", async () => {
    const log: unknown[] = [];
    let outer: CancelScope | undefined;
    let timeout: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* (clk) {
      yield* nursery(function* (n) {
        outer = new CancelScope();
        yield* outer.run(function* () {
          n.startSoon(function* () {
            yield* waitAllTasksBlocked();
            outer!.cancel();
          });
          try {
            yield* failAfter(1000, function* (s) {
              timeout = s;
              yield* sleep(2000);
              log.push("unreached");
            });
          } catch (error) {
            log.push([(error as Error).name, clk.now()]);
            throw error;
          }
        });
      });
      return "done";
    });
    expect(log).toEqual([["Cancelled", 0]]);
    expect(outcome).toEqual({ status: "ok", value: "done" });
    expect(clock.now()).toBe(0);
    expect(flags(outer)).toEqual([true, true]);
    expect(flags(timeout)).toEqual([false, false]);
  });

  it("T16 an enclosing nursery's cancellation passes through an unexpired failAfter", async () => {
    const log: unknown[] = [];
    const { outcome } = await outcomeOf(function* (clk) {
      const value = yield* nursery(function* (n) {
        n.startSoon(function* () {
          yield* sleep(300);
          n.cancel();
        });
        yield* failAfter(1000, () => sleep(2000));
        return "unreached";
      });
      log.push([value, clk.now()]);
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([[undefined, 300]]);
  });

  it("T16 decision: failAfter(1, s => { s.cancel(); checkpoint }) throws TimeoutError (Trio)", async () => {
    let s: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* () {
      yield* failAfter(1000, function* (scope) {
        s = scope;
        scope.cancel();
        yield* checkpoint();
      });
    });
    const error = errorOf(outcome) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.deadline).toBe(1000);
    expect(error.message).toBe(
      "the block's timeout scope was cancelled before its deadline (1000 ms on the runtime's clock)",
    );
    expect(flags(s)).toEqual([true, true]);
    expect(clock.now()).toBe(0);
  });

  it("T15 an error other than Cancelled leaving a failAfter block propagates as it is", async () => {
    const boom = new RangeError("cleanup failed");
    const { outcome } = await outcomeOf(function* () {
      yield* failAfter(1000, function* () {
        try {
          yield* sleep(5000);
        } catch {
          throw boom;
        }
      });
    });
    expect(errorOf(outcome)).toBe(boom);
  });

  it("T15 a nursery inside failAfter whose child fails during cancellation: the group minus Cancelled propagates", async () => {
    const boom = new Error("child cleanup");
    let s: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* () {
      yield* failAfter(1000, (scope) => {
        s = scope;
        return nursery(function* (n) {
          n.startSoon(function* () {
            try {
              yield* suspend();
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw boom;
            }
          });
          yield* suspend();
        });
      });
    });
    const error = errorOf(outcome);
    expect(error).toBeInstanceOf(NurseryError);
    expect((error as NurseryError).errors).toEqual([boom]);
    expect((error as NurseryError).errors[0]).toBe(boom);
    expect(s!.cancelledCaught).toBe(true);
    expect(clock.now()).toBe(1000);
  });

  it("T18 shielding hides outer deadlines", async () => {
    const log: unknown[] = [];
    const { outcome } = await outcomeOf(function* (clk) {
      yield* sleep(1);
      yield* moveOnAfter(10_000, function* () {
        log.push(ced() - clk.now());
        yield* new CancelScope({ shield: true }).run(function* () {
          log.push(ced());
          yield* moveOnAfter(1_000_000, function* () {
            log.push(ced() - clk.now());
          });
        });
        // A shielded timeout scope keeps its own deadline visible.
        yield* moveOnAfter(500_000, function* (s) {
          s.shield = true;
          log.push(ced() - clk.now());
        });
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([10_000, Infinity, 1_000_000, 500_000]);
  });

  it("T19 virtual clock with autojump: time jumps exactly to each deadline, never while a task runs or waits for idleness", async () => {
    const log: unknown[] = [];
    const { outcome, clock } = await outcomeOf(function* (clk) {
      yield* nursery(function* (n) {
        n.startSoon(function* () {
          yield* sleep(100_000);
          log.push(["yawn", clk.now()]);
        });
        n.startSoon(function* () {
          yield* waitAllTasksBlocked();
          log.push(["waiter woke", clk.now()]);
          yield* sleep(1_000_000);
          log.push(["waiter done", clk.now()]);
        });
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([
      ["waiter woke", 0],
      ["yawn", 100_000],
      ["waiter done", 1_000_000],
    ]);
    expect(clock.now()).toBe(1_000_000);
  });

  it("T19 autojump lands exactly on timeout deadlines (fractional ms too)", async () => {
    const log: unknown[] = [];
    const { outcome } = await outcomeOf(function* (clk) {
      yield* nursery(function* (n) {
        for (const ms of [13, 7, 1000.5]) {
          n.startSoon(function* () {
            yield* moveOnAfter(ms, function* () {
              // Time does not move while this task waits for the others.
              yield* waitAllTasksBlocked();
              log.push(["idle", ms, clk.now()]);
              yield* suspend();
            });
            log.push(["fired", ms, clk.now()]);
          });
        }
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([
      ["idle", 13, 0],
      ["idle", 7, 0],
      ["idle", 1000.5, 0],
      ["fired", 7, 7],
      ["fired", 13, 13],
      ["fired", 1000.5, 1000.5],
    ]);
  });

  it("T20 moving a failAfter deadline later avoids the timeout", async () => {
    let s: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* () {
      return yield* failAfter(100, function* (scope) {
        s = scope;
        scope.deadline += 300;
        yield* sleep(200);
        return "in time";
      });
    });
    expect(outcome).toEqual({ status: "ok", value: "in time" });
    expect(clock.now()).toBe(200);
    expect(flags(s)).toEqual([false, false]);
  });

  it("T20 moving a failAfter deadline earlier fires at the new deadline", async () => {
    const { outcome, clock } = await outcomeOf(function* () {
      yield* failAfter(1000, function* (scope) {
        yield* sleep(100);
        scope.deadline = 250;
        yield* sleep(10_000);
      });
    });
    expect((errorOf(outcome) as TimeoutError).deadline).toBe(250);
    expect(clock.now()).toBe(250);
  });
});
