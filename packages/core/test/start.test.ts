// docs/cases.md, nursery.start (S cases).
import {
  CancelScope,
  Cancelled,
  checkpoint,
  nursery,
  sleep,
  suspend,
  type Nursery,
  type Operation,
} from "@copse/core";
import { waitAllTasksBlocked } from "@copse/testing";
import { describe, expect, it } from "vitest";
import { errorOf, messages, runVirtual, valueOf } from "./helpers.js";

class KeyError extends Error {}

function* sleepThenStart(d: number, started: (v: number) => void) {
  yield* sleep(d);
  started(d * 10);
  yield* sleep(d);
}

describe("S: nursery.start", () => {
  it("S01 start returns the started value after the pre-start work; the child then belongs to the nursery", () => {
    const { task, log } = runVirtual(function* (log, clock) {
      yield* nursery(function* (n) {
        const v = yield* n.start<number>((started) => sleepThenStart(1, started));
        log.push([v, clock.now(), n.childTasks.length]);
      });
      log.push(["exit", clock.now()]);
    });
    valueOf(task);
    expect(log).toEqual([
      [10, 1, 1],
      ["exit", 2],
    ]);
  });

  it("S02 the same function called directly, with a started that does nothing", () => {
    const { task, clock } = runVirtual(function* () {
      yield* sleepThenStart(3, () => {});
    });
    valueOf(task);
    expect(clock.now()).toBe(6);
  });

  it("S03 started twice raises in the child; start already returned the first value", () => {
    const { task, log } = runVirtual(function* (log) {
      yield* nursery(function* (n) {
        const v = yield* n.start<string>(function* (started) {
          started("first");
          yield* checkpoint();
          try {
            started("second");
          } catch (e) {
            log.push((e as Error).message);
          }
        });
        log.push(v);
      });
    });
    valueOf(task);
    expect(log).toEqual([
      "first",
      "started() was called twice for the same task; call it once, when the task is ready",
    ]);
  });

  it("S04 the child throws before started: start throws it, unwrapped; the nursery is unaffected", () => {
    const before = new KeyError("before");
    const { task, log } = runVirtual(function* (log, clock) {
      yield* nursery(function* (n) {
        try {
          yield* n.start(function* () {
            yield* sleep(1);
            throw before;
          });
        } catch (e) {
          log.push([e === before, (e as Error).message, clock.now()]);
        }
      });
      log.push("nursery ok");
    });
    valueOf(task);
    expect(log).toEqual([[true, "before", 1], "nursery ok"]);
  });

  it("S05 the child returns without calling started: start throws; the nursery is unaffected", () => {
    const { task, log } = runVirtual(function* (log) {
      yield* nursery(function* (n) {
        try {
          yield* n.start(function* lazy() {
            yield* checkpoint();
          });
        } catch (e) {
          log.push((e as Error).message);
        }
      });
      log.push("nursery ok");
    });
    valueOf(task);
    expect(log).toEqual([
      "the task lazy given to start() returned without calling started(); call started(value) once it is ready",
      "nursery ok",
    ]);
  });

  it("S06 the child throws after started: the error goes to the target nursery", () => {
    const { task, log } = runVirtual(function* (log) {
      let v: number | undefined;
      try {
        yield* nursery(function* (n) {
          v = yield* n.start<number>(function* (started) {
            started(2);
            throw new Error("foo");
          });
        });
      } catch (e) {
        log.push([v, messages(e)]);
      }
    });
    valueOf(task);
    expect(log).toEqual([[2, ["foo"]]]);
  });

  describe("S07 start called from a cancelled context", () => {
    /** Runs `body` with a nursery, inside a scope of it that is cancelled before `body` starts. */
    function inCancelledScope(body: (n: Nursery, log: unknown[]) => Operation<void>) {
      const cs = new CancelScope();
      const run = runVirtual(function* (log) {
        yield* nursery(function* (n) {
          yield* cs.run(function* () {
            cs.cancel();
            yield* body(n, log);
          });
        });
        log.push("nursery ok");
      });
      valueOf(run.task);
      return { log: run.log, cs };
    }

    it("a child that checkpoints after started: start raises Cancelled, absorbed by the scope", () => {
      const { log, cs } = inCancelledScope(function* (n, log) {
        try {
          const v = yield* n.start<string>(function* (started) {
            started("hi");
            yield* checkpoint();
          });
          log.push(["returned", v]);
        } catch (e) {
          log.push(e instanceof Cancelled ? "start raised Cancelled" : e);
          throw e;
        }
      });
      expect(log).toEqual(["start raised Cancelled", "nursery ok"]);
      expect(cs.cancelledCaught).toBe(true);
    });
    it("a child that returns with no checkpoint: start returns normally", () => {
      const { log, cs } = inCancelledScope(function* (n, log) {
        const v = yield* n.start<null>(function* (started) {
          started(null);
        });
        log.push(["returned", v]);
      });
      expect(log).toEqual([["returned", null], "nursery ok"]);
      expect(cs.cancelledCaught).toBe(false);
    });
    it("a child that throws after started: the error comes out of start", () => {
      const { log } = inCancelledScope(function* (n, log) {
        try {
          yield* n.start(function* (started) {
            started(undefined);
            throw new KeyError("after");
          });
        } catch (e) {
          log.push([e instanceof KeyError, (e as Error).message]);
        }
      });
      expect(log).toEqual([[true, "after"], "nursery ok"]);
    });
  });

  it("S08 start on a closed nursery fails at once; the function is never called", () => {
    let called = 0;
    const { task, log, clock } = runVirtual(function* (log) {
      let saved!: Nursery;
      yield* nursery(function* (n) {
        saved = n;
      });
      try {
        yield* saved.start(function* () {
          called++;
        });
      } catch (e) {
        log.push((e as Error).message);
      }
    });
    valueOf(task);
    expect(log).toEqual([
      "Nursery is closed to new arrivals: it has finished; start the task in a nursery that is still open (an enclosing one)",
    ]);
    expect(called).toBe(0);
    expect(clock.now()).toBe(0);
  });

  it("S10 cancelling the start caller cancels only the starting child, not the target nursery", () => {
    const { task, log, clock } = runVirtual(function* (log) {
      let ns!: CancelScope;
      yield* nursery(function* (n) {
        ns = n.cancelScope;
        yield* new CancelScope().run(function* (cs) {
          cs.cancel();
          try {
            yield* n.start(function* () {
              log.push("child running");
              yield* suspend();
            });
          } catch (e) {
            if (e instanceof Cancelled) log.push("start cancelled");
            throw e;
          }
        });
        log.push(ns.cancelCalled);
      });
    });
    valueOf(task);
    expect(log).toEqual(["child running", "start cancelled", false]);
    expect(clock.now()).toBe(0);
  });

  it("S11 the target nursery is cancelled before started: the child moves and is cancelled there", () => {
    const { task, log } = runVirtual(function* (log) {
      yield* nursery(function* (n) {
        const v = yield* new CancelScope({ shield: true }).run(function* () {
          n.cancel();
          return yield* n.start<number>(function* (started) {
            started(5);
            try {
              yield* suspend();
            } catch (e) {
              log.push("child cancelled in target");
              throw e;
            }
          });
        });
        log.push(["start returned", v]);
      });
    });
    valueOf(task);
    expect(log).toEqual([["start returned", 5], "child cancelled in target"]);
  });

  it("S12 started called synchronously in the first step", () => {
    const { task, log } = runVirtual(function* (log, clock) {
      yield* nursery(function* (n) {
        const v = yield* n.start<number>(function* (started) {
          log.push("first-step");
          started(1);
          log.push("after-started");
          yield* sleep(1);
          log.push(["child done", clock.now()]);
        });
        log.push(["start returned", v, clock.now()]);
      });
    });
    valueOf(task);
    expect(log).toEqual([
      "first-step",
      "after-started",
      ["start returned", 1, 0],
      ["child done", 1],
    ]);
  });

  it("S13 a shielded scope in the starting child protects it when the host is cancelled", () => {
    const { task, log } = runVirtual(function* (log) {
      yield* nursery(function* (host) {
        host.startSoon(function* () {
          yield* waitAllTasksBlocked();
          host.cancel();
        });
        yield* nursery(function* (n) {
          yield* n.start(function* (started) {
            yield* new CancelScope({ shield: true }).run(function* () {
              yield* sleep(1);
              log.push("not cancelled in the shield");
            });
            started(undefined);
            try {
              yield* checkpoint();
            } catch (e) {
              log.push("cancelled after the shield");
              throw e;
            }
          });
        });
      });
    });
    valueOf(task);
    expect(log).toEqual(["not cancelled in the shield", "cancelled after the shield"]);
  });

  it("a failing start child does not leave the target waiting", () => {
    const { task } = runVirtual(function* () {
      yield* nursery(function* (n) {
        yield* n.start(function* () {
          throw new KeyError("x");
        });
      });
    });
    const error = errorOf(task);
    expect(messages(error)).toEqual(["x"]);
    expect((error as AggregateError).errors[0]).toBeInstanceOf(KeyError);
  });
});
