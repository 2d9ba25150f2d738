// Timeouts meeting the rest of the kernel: task.cancel(), run's signal,
// busy (CPU-bound) steps, useAbortSignal and nursery.start.
import {
  Cancelled,
  checkpoint,
  nursery,
  run,
  sleep,
  suspend,
  useAbortSignal,
  type CancelScope,
} from "@copse/core";
import { VirtualClock } from "@copse/testing";
import { describe, expect, it } from "vitest";
import {
  currentEffectiveDeadline as ced,
  failAfter,
  moveOnAfter,
  TimeoutError,
} from "../src/index.js";
import { errorOf, outcomeOf, PATHS, start } from "./helpers.js";

describe("timeouts and the rest of the kernel", () => {
  it.each(PATHS)(
    "task.cancel() of a child inside its unexpired failAfter is not a timeout (%s)",
    async (path) => {
      const log: unknown[] = [];
      let scope: CancelScope | undefined;
      const { outcome, clock } = await outcomeOf(function* (clk) {
        yield* nursery(function* (n) {
          const child = start(n, path, function* () {
            try {
              yield* failAfter(1000, function* (s) {
                scope = s;
                yield* suspend();
              });
            } catch (error) {
              log.push([(error as Error).name, clk.now()]);
              throw error;
            }
          });
          yield* sleep(100);
          child.cancel();
          yield* sleep(1);
          log.push(["child", child.outcome?.status]);
        });
      });
      expect(outcome.status).toBe("ok");
      expect(log).toEqual([
        ["Cancelled", 100],
        ["child", "cancelled"],
      ]);
      expect([scope!.cancelCalled, scope!.cancelledCaught]).toEqual([false, false]);
      expect(clock.now()).toBe(101);
    },
  );

  it.each(PATHS)(
    "task.cancel() of a child after its own failAfter fired: the TimeoutError stands (%s)",
    async (path) => {
      const { outcome } = await outcomeOf(function* () {
        return yield* nursery(function* (n) {
          const child = start(n, path, function* () {
            try {
              yield* failAfter(50, () => suspend());
            } catch (error) {
              return (error as Error).name;
            }
            return "no timeout";
          });
          yield* sleep(100);
          child.cancel(); // already done: no effect
          return child.outcome;
        });
      });
      expect(outcome).toEqual({ status: "ok", value: { status: "ok", value: "TimeoutError" } });
    },
  );

  it("aborting run's signal inside a failAfter: the root ends cancelled, not with TimeoutError", async () => {
    const controller = new AbortController();
    const clock = new VirtualClock({ autojump: false });
    const task = run(() => failAfter(1000, () => sleep(5000)), {
      clock,
      signal: controller.signal,
    });
    clock.advance(300);
    // An abort from outside wakes the task; the runtime runs it in a microtask.
    controller.abort("shutting down");
    await expect(Promise.resolve(task)).rejects.toBeInstanceOf(Cancelled);
    expect(task.outcome).toEqual({ status: "cancelled", reason: "shutting down" });
    expect(clock.now()).toBe(300);
  });

  it("C14 a deadline passed during a busy step is noticed at the next checkpoint; cancelCalled reports it at once", async () => {
    const log: unknown[] = [];
    const { outcome, clock } = await outcomeOf(function* (clk) {
      return yield* moveOnAfter(100, function* (s) {
        clk.busy(150); // CPU-bound: no suspension, no interruption
        log.push(["after busy", clk.now(), s.cancelCalled, ced()]);
        try {
          yield* checkpoint();
        } catch (error) {
          log.push(["checkpoint raised", (error as Error).name, clk.now()]);
          throw error;
        }
        return "unreached";
      });
    });
    expect(outcome).toEqual({ status: "ok", value: undefined });
    expect(log).toEqual([
      ["after busy", 150, true, -Infinity],
      ["checkpoint raised", "Cancelled", 150],
    ]);
    expect(clock.now()).toBe(150);
  });

  it("C14 failAfter: a busy step past the deadline that returns without suspending returns its value", async () => {
    const { outcome } = await outcomeOf(function* (clk) {
      return yield* failAfter(100, function* () {
        clk.busy(150);
        return "finished late, but never suspended";
      });
    });
    expect(outcome).toEqual({ status: "ok", value: "finished late, but never suspended" });
  });

  it("useAbortSignal() inside a timeout aborts at the deadline, with the Cancelled as reason", async () => {
    let signal: AbortSignal | undefined;
    const abortedAt: number[] = [];
    const { outcome } = await outcomeOf(function* (clk) {
      yield* moveOnAfter(250, function* () {
        signal = yield* useAbortSignal();
        signal.addEventListener("abort", () => abortedAt.push(clk.now()));
        yield* suspend();
      });
    });
    expect(outcome.status).toBe("ok");
    expect(abortedAt).toEqual([250]);
    expect(signal!.reason).toBeInstanceOf(Cancelled);
  });

  it("nursery.start() inside failAfter: a child that does not call started() in time fails the start with TimeoutError", async () => {
    const log: unknown[] = [];
    const { outcome, clock } = await outcomeOf(function* (clk) {
      yield* nursery(function* (n) {
        try {
          yield* failAfter(100, () =>
            n.start<string>(function* (started) {
              yield* sleep(500);
              started("ready");
              yield* suspend();
            }),
          );
        } catch (error) {
          log.push([(error as Error).name, clk.now(), n.cancelScope.cancelCalled]);
        }
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([["TimeoutError", 100, false]]);
    expect(clock.now()).toBe(100);
  });

  it("nursery.start() inside failAfter: once started, the child leaves the timeout's scope", async () => {
    const log: unknown[] = [];
    const { outcome } = await outcomeOf(function* (clk) {
      yield* nursery(function* (n) {
        const value = yield* failAfter(100, () =>
          n.start<string>(function* (started) {
            yield* sleep(50);
            started("ready");
            yield* sleep(500); // past the start's deadline: not cancelled
            log.push(["child done", clk.now()]);
          }),
        );
        log.push([value, clk.now()]);
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([
      ["ready", 50],
      ["child done", 550],
    ]);
  });

  it("a TimeoutError thrown by an inner failAfter passes through an outer failAfter unchanged", async () => {
    const { outcome } = await outcomeOf(function* () {
      yield* failAfter(1000, () => failAfter(10, () => sleep(100)));
    });
    const error = errorOf(outcome) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.deadline).toBe(10);
  });
});
