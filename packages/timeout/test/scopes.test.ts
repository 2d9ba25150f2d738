// docs/cases.md, cancel scopes (C cases): the ones that involve deadlines, with timeout scopes.
// 1 ms of the catalogue = 1000 ms here.
import { CancelScope, checkpoint, nursery, sleep, suspend } from "@copse/core";
import { waitAllTasksBlocked } from "@copse/testing";
import { describe, expect, it } from "vitest";
import {
  currentEffectiveDeadline as ced,
  failAfter,
  moveOnAfter,
  moveOnAt,
  TimeoutError,
} from "../src/index.js";
import { outcomeOf, PATHS, start } from "./helpers.js";

describe("C cases with timeout scopes", () => {
  it("C12.4 relativeDeadline set after entry is re-based on now()", async () => {
    const log: unknown[] = [];
    let s: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* (clk) {
      const t0 = clk.now();
      yield* moveOnAfter(5000, function* (scope) {
        s = scope;
        log.push(scope.relativeDeadline);
        yield* sleep(1000);
        log.push(scope.relativeDeadline);
        scope.relativeDeadline = 1000;
        log.push(scope.deadline - t0);
        yield* sleep(10_000);
        log.push("unreached");
      });
      log.push(clk.now() - t0);
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([5000, 4000, 2000, 2000]);
    expect(clock.now()).toBe(2000);
    expect([s!.cancelCalled, s!.cancelledCaught]).toEqual([true, true]);
  });

  it("C12.1 moving a timeout's deadline earlier after entry takes effect at once", async () => {
    let s: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* (clk) {
      const t0 = clk.now();
      return yield* moveOnAt(t0 + 10_000, function* (scope) {
        s = scope;
        yield* sleep(1000);
        scope.deadline = t0 + 3000;
        yield* sleep(100_000);
        return "unreached";
      });
    });
    expect(outcome).toEqual({ status: "ok", value: undefined });
    expect(clock.now()).toBe(3000);
    expect(s!.cancelledCaught).toBe(true);
  });

  it("C12.2 moving a timeout's deadline later after entry takes effect at once", async () => {
    const log: unknown[] = [];
    const { outcome, clock } = await outcomeOf(function* (clk) {
      const t0 = clk.now();
      yield* moveOnAt(t0 + 2000, function* (scope) {
        yield* sleep(1000);
        scope.deadline = t0 + 5000;
        yield* sleep(3000);
        log.push(clk.now() - t0);
        yield* sleep(10_000);
        log.push("unreached");
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([4000]);
    expect(clock.now()).toBe(5000);
  });

  it("C12 a deadline moved by another task wakes the blocked owner at the new time", async () => {
    const log: unknown[] = [];
    const { outcome } = await outcomeOf(function* (clk) {
      yield* nursery(function* (n) {
        const scopes: CancelScope[] = [];
        for (const name of ["earlier", "past"]) {
          n.startSoon(function* () {
            try {
              yield* failAfter(10_000, function* (scope) {
                scopes.push(scope);
                yield* suspend();
              });
            } catch (error) {
              log.push([name, (error as Error).name, clk.now()]);
            }
          });
        }
        yield* sleep(100);
        scopes[0]!.deadline = 300; // earlier: its timer moves
        scopes[1]!.deadline = 50; // already past: cancelled now
        log.push(["moved", clk.now()]);
        yield* sleep(1000);
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([
      ["moved", 100],
      ["past", "TimeoutError", 100],
      ["earlier", "TimeoutError", 300],
    ]);
  });

  it("C15 ced() outside any task throws an Error that says so", async () => {
    expect(() => ced()).toThrow(
      new Error(
        "currentEffectiveDeadline() must be called from inside a copse task (no task is running)",
      ),
    );
  });

  it.each(PATHS)(
    "C16 (timeout in cleanup) after a deadline cancelled the task, a failAfter in shielded cleanup still times out (%s)",
    async (path) => {
      const log: unknown[] = [];
      const { outcome } = await outcomeOf(function* (clk) {
        yield* nursery(function* (n) {
          start(n, path, function* () {
            yield* moveOnAfter(500, function* () {
              try {
                yield* sleep(1000);
              } finally {
                log.push(["ced", ced(), clk.now()]);
                yield* new CancelScope({ shield: true }).run(function* () {
                  log.push(["ced-shielded", ced()]);
                  try {
                    yield* failAfter(300, () => sleep(1000));
                  } catch (error) {
                    log.push([(error as Error).name, clk.now()]);
                  }
                });
              }
            });
            log.push(["after", clk.now()]);
          });
        });
      });
      expect(outcome.status).toBe("ok");
      expect(log).toEqual([
        ["ced", -Infinity, 500],
        ["ced-shielded", Infinity],
        ["TimeoutError", 800],
        ["after", 800],
      ]);
    },
  );

  it("C17 a shielded timeout scope keeps running while its host nursery is cancelled", async () => {
    const log: unknown[] = [];
    let inner: CancelScope | undefined;
    let host: CancelScope | undefined;
    const { outcome, clock } = await outcomeOf(function* () {
      yield* nursery(function* (n) {
        host = n.cancelScope;
        n.startSoon(function* () {
          yield* waitAllTasksBlocked();
          n.cancelScope.cancel();
        });
        yield* moveOnAfter(10_000, function* (scope) {
          // Shielded before the first suspension: the same as shielding at creation.
          scope.shield = true;
          inner = scope;
          yield* sleep(100);
          log.push("inner-done");
        });
        yield* sleep(1000);
        log.push("unreached");
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual(["inner-done"]);
    expect(clock.now()).toBe(100);
    expect(inner!.cancelCalled).toBe(false);
    expect([host!.cancelCalled, host!.cancelledCaught]).toEqual([true, true]);
  });

  it("C18 a shielded timeout scope shows its own deadline; cancelling it gives -Infinity and the next checkpoint raises", async () => {
    const log: unknown[] = [];
    let s: CancelScope | undefined;
    const { outcome } = await outcomeOf(function* () {
      yield* nursery(function* (n) {
        n.cancelScope.cancel();
        yield* moveOnAfter(5000, function* (scope) {
          scope.shield = true;
          s = scope;
          log.push(["shielded timeout", ced()]);
          yield* checkpoint();
          scope.cancel();
          log.push(["cancelled itself", ced()]);
          yield* checkpoint();
          log.push("unreached");
        });
        log.push(["after", ced()]);
      });
    });
    expect(outcome.status).toBe("ok");
    expect(log).toEqual([
      ["shielded timeout", 5000],
      ["cancelled itself", -Infinity],
      ["after", -Infinity],
    ]);
    expect([s!.cancelCalled, s!.cancelledCaught]).toEqual([true, true]);
  });

  it("C18 failAfter shielded in a cancelled nursery still times out on its own deadline", async () => {
    const { outcome, clock } = await outcomeOf(function* () {
      return yield* nursery(function* (n) {
        n.cancel();
        try {
          yield* failAfter(700, function* (scope) {
            scope.shield = true;
            yield* suspend();
          });
        } catch (error) {
          return [(error as Error).name, error instanceof TimeoutError];
        }
        return "unreached";
      });
    });
    expect(outcome).toEqual({ status: "ok", value: ["TimeoutError", true] });
    expect(clock.now()).toBe(700);
  });
});
