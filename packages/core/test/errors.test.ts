// docs/cases.md, errors and error groups (E cases).
import {
  CancelScope,
  Cancelled,
  NurseryError,
  checkpoint,
  nursery,
  sleep,
  suspend,
  type Nursery,
} from "@copse/core";
import { waitAllTasksBlocked } from "@copse/testing";
import { describe, expect, it } from "vitest";
import { PATHS, errorOf, messages, runVirtual, start, valueOf } from "./helpers.js";

class ValueError extends Error {}
class KeyError extends Error {}
class ZeroDivisionError extends Error {}

describe("E: errors and groups", () => {
  it.each(PATHS)(
    "E01 one child fails: siblings and body cancelled, group holds that error (%s)",
    (path) => {
      const argh = new ValueError("argh");
      const { task, log, clock } = runVirtual(function* (log, clock) {
        yield* nursery(function* (n) {
          start(n, path, function* () {
            try {
              yield* suspend();
            } catch (e) {
              log.push(["sib-cancelled", clock.now()]);
              throw e;
            }
          });
          start(n, path, function* () {
            yield* sleep(1);
            throw argh;
          });
          try {
            yield* sleep(10);
          } catch (e) {
            log.push(["body-cancelled", clock.now()]);
            throw e;
          }
        });
      });
      const error = errorOf(task);
      expect(error).toBeInstanceOf(NurseryError);
      expect((error as NurseryError).errors).toEqual([argh]);
      expect((error as NurseryError).errors[0]).toBe(argh);
      expect(new Set(log.map((e) => JSON.stringify(e)))).toEqual(
        new Set([JSON.stringify(["sib-cancelled", 1]), JSON.stringify(["body-cancelled", 1])]),
      );
      expect(clock.now()).toBe(1);
    },
  );

  it.each(PATHS)(
    "E02 strict grouping: a single error is wrapped and is the same object (%s)",
    (path) => {
      const x = new Error("x");
      const child = runVirtual(function* () {
        yield* nursery(function* (n) {
          start(n, path, function* () {
            throw x;
          });
        });
      });
      const e1 = errorOf(child.task) as NurseryError;
      expect(e1).toBeInstanceOf(NurseryError);
      expect(e1).toBeInstanceOf(AggregateError);
      expect(e1.errors).toHaveLength(1);
      expect(e1.errors[0]).toBe(x);
      const body = runVirtual(function* () {
        yield* nursery(function* () {
          throw x;
        });
      });
      const e2 = errorOf(body.task) as NurseryError;
      expect(e2).toBeInstanceOf(NurseryError);
      expect(e2.errors).toEqual([x]);
      expect(e2.errors[0]).toBe(x);
    },
  );

  it.each(PATHS)("E03 the body throws while children run: children cancelled (%s)", (path) => {
    const body = new KeyError("body");
    const { task, log, clock } = runVirtual(function* (log, clock) {
      let h;
      try {
        yield* nursery(function* (n) {
          h = start(n, path, function* () {
            try {
              yield* sleep(5);
            } finally {
              log.push(["child-finally", clock.now()]);
            }
          });
          yield* sleep(1);
          throw body;
        });
      } catch (e) {
        return [e, h!] as const;
      }
      throw new Error("unreachable");
    });
    const [error, h] = valueOf(task);
    expect(log).toEqual([["child-finally", 1]]);
    expect((error as NurseryError).errors).toEqual([body]);
    expect(h.outcome?.status).toBe("cancelled");
    expect(clock.now()).toBe(1);
  });

  it.each(PATHS)("E04 body error and child error together (%s)", (path) => {
    const { task } = runVirtual(function* () {
      yield* nursery(function* (n) {
        start(n, path, function* () {
          throw new ValueError("child");
        });
        throw new KeyError("host");
      });
    });
    const error = errorOf(task) as NurseryError;
    expect(error.errors.map((e) => (e as Error).constructor)).toHaveLength(2);
    expect(new Set(error.errors.map((e) => (e as Error).message))).toEqual(
      new Set(["child", "host"]),
    );
  });

  it.each(PATHS)(
    "E05 two children fail without checkpoints: both errors, in FIFO order (%s)",
    (path) => {
      const a = new KeyError("a");
      const b = new ValueError("b");
      const { task } = runVirtual(function* () {
        yield* nursery(function* (n) {
          start(n, path, function* () {
            throw a;
          });
          start(n, path, function* () {
            throw b;
          });
        });
      });
      expect((errorOf(task) as NurseryError).errors).toEqual([a, b]);
    },
  );

  it.each(PATHS)("E07 the body converts its Cancelled into another error (%s)", (path) => {
    const { task, clock } = runVirtual(function* () {
      yield* nursery(function* (n) {
        start(n, path, function* () {
          yield* suspend();
        });
        start(n, path, function* () {
          yield* sleep(1);
          throw new ValueError("child");
        });
        try {
          yield* sleep(10);
        } catch {
          throw new KeyError("body-after-cancel");
        }
      });
    });
    expect(messages(errorOf(task))).toEqual(["child", "body-after-cancel"]);
    expect(clock.now()).toBe(1);
  });

  it.each(PATHS)(
    "E08 errors during cleanup are collected; the enclosing scope strips only Cancelled (%s)",
    (path) => {
      let finallies = 0;
      let inner: unknown;
      const cs = new CancelScope();
      const { task, clock } = runVirtual(function* () {
        yield* cs.run(function* () {
          try {
            yield* nursery(function* (n) {
              for (let i = 0; i < 3; i++) {
                start(n, path, function* () {
                  try {
                    yield* sleep(10);
                  } finally {
                    finallies++;
                    // eslint-disable-next-line no-unsafe-finally
                    throw new ZeroDivisionError(String(i));
                  }
                });
              }
              yield* sleep(1);
              cs.cancel();
              yield* sleep(10);
            });
          } catch (e) {
            inner = e;
            throw e;
          }
        });
      });
      const outer = errorOf(task) as NurseryError;
      expect(inner).toBeInstanceOf(NurseryError);
      const innerMembers = (inner as NurseryError).errors;
      expect(innerMembers.filter((e) => e instanceof Cancelled)).toHaveLength(1);
      expect(
        new Set(
          innerMembers.filter((e) => !(e instanceof Cancelled)).map((e) => (e as Error).message),
        ),
      ).toEqual(new Set(["0", "1", "2"]));
      expect(outer).toBeInstanceOf(NurseryError);
      expect(new Set(outer.errors.map((e) => (e as Error).message))).toEqual(
        new Set(["0", "1", "2"]),
      );
      expect(outer.errors.every((e) => e instanceof ZeroDivisionError)).toBe(true);
      expect(cs.cancelledCaught).toBe(true);
      expect(finallies).toBe(3);
      expect(clock.now()).toBe(1);
    },
  );

  it.each(PATHS)("E10 nested nurseries: an inner child failure nests strictly (%s)", (path) => {
    const { task, clock } = runVirtual(function* () {
      const boom = (m: string, d: number) =>
        function* () {
          yield* sleep(d);
          throw new ValueError(m);
        };
      yield* nursery(function* (n1) {
        start(n1, path, boom("outer", 10));
        yield* nursery(function* (n2) {
          start(n2, path, boom("inner", 1));
        });
      });
    });
    const error = errorOf(task) as NurseryError;
    expect(messages(error)).toEqual([["inner"]]);
    expect(error.errors[0]).toBeInstanceOf(NurseryError);
    expect(clock.now()).toBe(1);
  });

  it.each(PATHS)("E12 Cancelled members are filtered at the scope that owns them (%s)", (path) => {
    let fromNursery: unknown;
    const outer = new CancelScope();
    const { task } = runVirtual(function* () {
      yield* outer.run(function* () {
        try {
          yield* nursery(function* (n) {
            start(n, path, suspend);
            start(n, path, suspend);
            n.cancelScope.cancel();
            yield* new CancelScope({ shield: true }).run(() => waitAllTasksBlocked());
            start(n, path, suspend);
            outer.cancel();
            start(n, path, function* () {
              throw new KeyError("k");
            });
          });
        } catch (e) {
          fromNursery = e;
          throw e;
        }
      });
    });
    expect(fromNursery).toBeInstanceOf(NurseryError);
    const members = (fromNursery as NurseryError).errors;
    expect(members.filter((e) => e instanceof Cancelled)).toHaveLength(3);
    expect(members.filter((e) => e instanceof KeyError)).toHaveLength(1);
    expect(members).toHaveLength(4);
    const error = errorOf(task) as NurseryError;
    expect(error).toBeInstanceOf(NurseryError);
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]).toBeInstanceOf(KeyError);
    expect(outer.cancelledCaught).toBe(true);
  });

  it("E13 a cancelled scope that receives a group without Cancelled does not claim it", () => {
    const s = new CancelScope();
    const group = new NurseryError([new Error("a"), new Error("b")], "test");
    const { task } = runVirtual(function* () {
      yield* s.run(function* () {
        s.cancel();
        throw group;
      });
    });
    const error = errorOf(task) as NurseryError;
    expect(error).toBe(group);
    expect(error.errors).toHaveLength(2);
    expect(error.message).toBe("test");
    expect(s.cancelledCaught).toBe(false);
  });

  it.each(PATHS)(
    "E14 spawning into a failing nursery: the child starts, is cancelled, adds nothing (%s)",
    (path) => {
      const original = new ValueError("original");
      const { task, log } = runVirtual(function* (log) {
        let late;
        try {
          yield* nursery(function* (n: Nursery) {
            start(n, path, function* () {
              throw original;
            });
            yield* checkpoint();
          });
        } catch (e) {
          log.push(e);
        }
        try {
          yield* nursery(function* (n: Nursery) {
            n.startTask(function* () {
              throw original;
            });
            late = start(n, path, function* () {
              log.push("late-started");
              yield* sleep(1);
              log.push("unreached");
            });
          });
        } catch (e) {
          return [e, late!] as const;
        }
        throw new Error("unreachable");
      });
      const [error, late] = valueOf(task);
      expect((error as NurseryError).errors).toEqual([original]);
      expect(late.outcome?.status).toBe("cancelled");
      expect(log).toContain("late-started");
      expect(log).not.toContain("unreached");
    },
  );
});
