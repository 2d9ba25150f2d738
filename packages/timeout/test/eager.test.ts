// The point of @copse/timeout (issue 4): a timeout belongs to the task that
// is current when it is entered. During the eager first step of
// `n.startTask` that is the new task, so its expiry cancels that task only,
// never the caller, at the same absolute time as on the lazy path
// (`n.startSoon`). Each test is a table over both start paths that asserts
// one expected outcome (docs/cases.md X06, T13; docs/eager-lazy.md).
import {
  Cancelled,
  call,
  checkpoint,
  currentTask,
  nursery,
  NurseryError,
  sleep,
  suspend,
  type CancelScope,
  type Task,
} from "@copse/core";
import { describe, expect, it } from "vitest";
import {
  currentEffectiveDeadline as ced,
  failAfter,
  moveOnAfter,
  moveOnAt,
  TimeoutError,
} from "../src/index.js";
import { errorOf, outcomeOf, PATHS, runVirtual, start } from "./helpers.js";

describe.each(PATHS)("a timeout entered in a child's first step (%s)", (path) => {
  it(`X06 failAfter in the first step belongs to the child: the caller is never cancelled (${path})`, async () => {
    const log: unknown[] = [];
    const { outcome, clock } = await outcomeOf(function* (clk) {
      yield* nursery(function* (n) {
        start(n, path, function* () {
          try {
            yield* failAfter(50, () => suspend());
          } catch (error) {
            if (!(error instanceof TimeoutError)) throw error;
            log.push(["child-timeout", clk.now()]);
          }
        });
        try {
          yield* sleep(100);
        } catch (error) {
          if (error instanceof Cancelled) log.push("PARENT WRONGLY CANCELLED");
          throw error;
        }
        log.push(["parent-slept", clk.now()]);
      });
    });
    expect(log).toEqual([
      ["child-timeout", 50],
      ["parent-slept", 100],
    ]);
    expect(outcome.status).toBe("ok");
    expect(clock.now()).toBe(100);
  });

  it(`X06 moveOnAfter in the first step: owned by the child, invisible to the caller (${path})`, async () => {
    // Per-task logs: the eager step runs before the caller's next statement,
    // the lazy one after it (the one permitted difference, docs/eager-lazy.md).
    const childLog: unknown[] = [];
    const callerLog: unknown[] = [];
    const seenInBody: unknown[] = [];
    let child: Task<string> | undefined;
    const { outcome } = await outcomeOf(function* (clk) {
      const parent = currentTask();
      yield* nursery(function* (n) {
        child = start(n, path, function* () {
          const value = yield* moveOnAfter(50, function* () {
            seenInBody.push(currentTask());
            childLog.push(["child ced", ced()]);
            yield* suspend();
            seenInBody.push(currentTask());
          });
          childLog.push(["moved on", value, clk.now()]);
          return "child done";
        });
        callerLog.push(["caller is current", currentTask() === parent]);
        callerLog.push(["caller ced", ced()]);
        yield* sleep(100);
        callerLog.push(["caller", clk.now()]);
      });
      return yield* child!;
    });
    expect(outcome).toEqual({ status: "ok", value: "child done" });
    expect(seenInBody).toEqual([child]);
    expect(seenInBody[0]).toBe(child);
    expect(childLog).toEqual([
      ["child ced", 50],
      ["moved on", undefined, 50],
    ]);
    expect(callerLog).toEqual([
      ["caller is current", true],
      ["caller ced", Infinity],
      ["caller", 100],
    ]);
  });

  it(`T13 a relative timeout in the first step has the same absolute deadline on both paths (${path})`, async () => {
    const log: unknown[] = [];
    const { outcome } = await outcomeOf(function* (clk) {
      yield* sleep(10);
      yield* nursery(function* (n) {
        start(n, path, function* () {
          try {
            yield* failAfter(50, function* (scope) {
              log.push(["deadline", scope.deadline]);
              yield* suspend();
            });
          } catch (error) {
            const e = error as TimeoutError;
            log.push([e.name, e.deadline, clk.now()]);
          }
        });
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([
      ["deadline", 60],
      ["TimeoutError", 60, 60],
    ]);
  });

  it(`T13 a timeout created in the first step and entered later is fixed at its yield* (${path})`, async () => {
    const log: unknown[] = [];
    const { outcome } = await outcomeOf(function* (clk) {
      yield* nursery(function* (n) {
        start(n, path, function* () {
          const t = moveOnAfter(5000, function* (scope) {
            log.push(["entered", clk.now(), scope.deadline]);
            yield* suspend();
          });
          yield* sleep(3000);
          yield* t;
          log.push(["fired", clk.now()]);
        });
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([
      ["entered", 3000, 8000],
      ["fired", 8000],
    ]);
  });

  it(`failAfter(0) in the first step expires at the step's first suspension, in the child only (${path})`, async () => {
    const log: unknown[] = [];
    const { outcome } = await outcomeOf(function* (clk) {
      return yield* nursery(function* (n) {
        const child = start(n, path, function* () {
          try {
            yield* failAfter(0, () => checkpoint());
            return "no timeout";
          } catch (error) {
            return `${(error as Error).name} at ${clk.now()}`;
          }
        });
        yield* checkpoint();
        log.push("caller passed its checkpoint");
        return yield* child;
      });
    });
    expect(outcome).toEqual({ status: "ok", value: "TimeoutError at 0" });
    expect(log).toEqual(["caller passed its checkpoint"]);
  });

  it(`an uncaught TimeoutError of the child fails the nursery like any child error (${path})`, async () => {
    const log: unknown[] = [];
    let childError: unknown;
    const { outcome, clock } = await outcomeOf(function* (clk) {
      yield* nursery(function* (n) {
        const child = start(n, path, () => failAfter(50, () => suspend()));
        try {
          yield* sleep(100);
        } catch (error) {
          // Cancelled by the nursery because its child failed, at the child's deadline.
          log.push([(error as Error).name, clk.now(), child.done]);
          childError = child.outcome?.status === "error" ? child.outcome.error : undefined;
          throw error;
        }
      });
    });
    const group = errorOf(outcome) as NurseryError;
    expect(group).toBeInstanceOf(NurseryError);
    expect(group.errors).toHaveLength(1);
    expect(group.errors[0]).toBeInstanceOf(TimeoutError);
    expect(group.errors[0]).toBe(childError);
    expect(log).toEqual([["Cancelled", 50, true]]);
    expect(clock.now()).toBe(50);
  });

  it(`failAfter around call() in the first step: the child's signal aborts at its deadline, the caller goes on (${path})`, async () => {
    const log: unknown[] = [];
    let signal: AbortSignal | undefined;
    const { task, clock } = runVirtual(function* (clk) {
      yield* nursery(function* (n) {
        start(n, path, function* () {
          try {
            yield* failAfter(50, () =>
              call((s) => {
                signal = s;
                return new Promise<string>(() => {});
              }),
            );
          } catch (error) {
            log.push([(error as Error).name, clk.now()]);
          }
        });
        yield* checkpoint();
        log.push(["caller", clk.now()]);
      });
    });
    // Autojump does not move time while a call() promise is pending.
    expect(task.done).toBe(false);
    expect(clock.now()).toBe(0);
    expect(log).toEqual([["caller", 0]]);
    clock.advance(49);
    expect(signal!.aborted).toBe(false);
    clock.advance(1);
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBeInstanceOf(Cancelled);
    expect(task.done).toBe(true);
    expect(log).toEqual([
      ["caller", 0],
      ["TimeoutError", 50],
    ]);
    await task;
  });
});

describe.each(PATHS)("a timeout entered by the caller (%s)", (path) => {
  it(`a timeout around the nursery covers the child's eager step and fires at its own deadline (${path})`, async () => {
    const log: unknown[] = [];
    let child: Task<void> | undefined;
    let scope: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* (clk) {
      try {
        yield* failAfter(50, (s) => {
          scope = s;
          return nursery(function* (n) {
            child = start(n, path, function* () {
              log.push(["child first step ced", ced()]);
              try {
                yield* sleep(100);
              } finally {
                log.push(["child cleanup", clk.now()]);
              }
            });
            yield* suspend();
          });
        });
      } catch (error) {
        log.push([(error as Error).name, clk.now()]);
      }
    });
    expect(outcome.status).toBe("ok");
    expect(log.filter((e) => (e as [string])[0] === "child first step ced")).toEqual([
      ["child first step ced", 50],
    ]);
    expect(log.filter((e) => (e as [string])[0] !== "child first step ced")).toEqual([
      ["child cleanup", 50],
      ["TimeoutError", 50],
    ]);
    expect(child!.outcome?.status).toBe("cancelled");
    expect([scope!.cancelCalled, scope!.cancelledCaught]).toEqual([true, true]);
    expect(clock.now()).toBe(50);
  });

  it(`an already expired timeout around the nursery: the child's first step runs, then Cancelled at its first suspension (${path})`, async () => {
    const log: unknown[] = [];
    let child: Task<void> | undefined;
    const { outcome, clock } = await outcomeOf(
      function* (clk) {
        const value = yield* moveOnAt(clk.now() - 1, () =>
          nursery(function* (n) {
            child = start(n, path, function* () {
              log.push(["step1 ced", ced()]);
              try {
                yield* sleep(100);
              } catch (error) {
                log.push(["child", (error as Error).name, clk.now()]);
                throw error;
              }
            });
            return "unreached";
          }),
        );
        log.push(["moved on", value]);
      },
      { start: 1000 },
    );
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([
      ["step1 ced", -Infinity],
      ["child", "Cancelled", 1000],
      ["moved on", undefined],
    ]);
    expect(child!.outcome?.status).toBe("cancelled");
    expect(clock.now()).toBe(1000);
  });

  it(`a timeout the caller opens inside the nursery does not cover a child started there: the child belongs to the nursery (${path})`, async () => {
    const log: unknown[] = [];
    const { outcome } = await outcomeOf(function* (clk) {
      yield* nursery(function* (n) {
        yield* moveOnAfter(50, function* () {
          start(n, path, function* () {
            log.push(["child ced", ced()]);
            yield* sleep(100);
            log.push(["child done", clk.now()]);
          });
          yield* suspend();
        });
        log.push(["caller moved on", clk.now()]);
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([
      ["child ced", Infinity],
      ["caller moved on", 50],
      ["child done", 100],
    ]);
  });
});
