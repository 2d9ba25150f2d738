// docs/cases.md, eager start (X cases).
import type { CancelScope, NurseryError } from "@copse/core";
import {
  action,
  all,
  checkpoint,
  currentTask,
  nursery,
  sleep,
  suspend,
  type Nursery,
  type Task,
} from "@copse/core";
import { failAfter, TimeoutError } from "@copse/timeout";
import { describe, expect, it } from "vitest";
import { PATHS, errorOf, messages, runVirtual, start, valueOf } from "./helpers.js";

class MyError extends Error {}

describe("X: eager start", () => {
  it("X01 the first step runs synchronously before startTask returns", () => {
    for (const path of PATHS) {
      const { task, log } = runVirtual(function* (log) {
        yield* nursery(function* (n) {
          const h = start(n, path, function* () {
            log.push("child-step1");
            yield* checkpoint();
            log.push("child-step2");
            return 7;
          });
          log.push(["parent-after-start", h.done]);
          log.push(["result", yield* h]);
        });
      });
      valueOf(task);
      expect(log).toEqual(
        path === "eager"
          ? ["child-step1", ["parent-after-start", false], "child-step2", ["result", 7]]
          : [["parent-after-start", false], "child-step1", "child-step2", ["result", 7]],
      );
    }
  });

  it("X02 a child that never suspends is done when startTask returns", () => {
    for (const path of PATHS) {
      const { task, log } = runVirtual(function* (log) {
        yield* nursery(function* (n) {
          const h = start(n, path, function* () {
            return "hello";
          });
          log.push([h.done, h.outcome]);
          log.push(yield* h);
          log.push([h.done, h.outcome]);
        });
      });
      valueOf(task);
      const done = [true, { status: "ok", value: "hello" }];
      expect(log).toEqual(
        path === "eager" ? [done, "hello", done] : [[false, undefined], "hello", done],
      );
    }
  });

  it("X03 awaiting something already complete during the first step does not end it", () => {
    for (const path of PATHS) {
      const { task, log } = runVirtual(function* (log) {
        yield* nursery(function* (n) {
          const h = start(n, path, function* () {
            const message = yield* action<string>((resolve) => resolve("my message"));
            const [a] = yield* all([
              function* () {
                return 1;
              },
            ]);
            return `${message} ${a}`;
          });
          log.push(h.done);
          log.push(yield* h);
        });
      });
      valueOf(task);
      expect(log).toEqual([path === "eager", "my message 1"]);
    }
  });

  it("X04 a child that suspends in its first step finishes later", () => {
    for (const path of PATHS) {
      const { task, log } = runVirtual(function* (log, clock) {
        yield* nursery(function* (n) {
          const h = start(n, path, function* () {
            yield* sleep(0.1);
            return "finished after blocking";
          });
          log.push(h.done);
          log.push(yield* h);
          log.push(clock.now());
        });
      });
      valueOf(task);
      expect(log).toEqual([false, "finished after blocking", 0.1]);
    }
  });

  it.each(PATHS)(
    "X05 the current task inside the first step is the new task; the parent's is restored (%s)",
    (path) => {
      const { task } = runVirtual(function* () {
        let a: Task<unknown> | undefined;
        let b: Task<unknown> | undefined;
        const p = currentTask();
        let h!: Task<void>;
        let c!: Task<unknown>;
        yield* nursery(function* (n) {
          h = start(n, path, function* () {
            a = currentTask();
            yield* checkpoint();
            b = currentTask();
          });
          c = currentTask();
          yield* h;
        });
        return { a, b, c, p, h };
      });
      const { a, b, c, p, h } = valueOf(task);
      expect(a).toBe(h);
      expect(b).toBe(h);
      expect(c).toBe(p);
    },
  );

  it.each(PATHS)("X06 a timeout opened in the first step belongs to the new task (%s)", (path) => {
    const { task, log } = runVirtual(function* (log, clock) {
      yield* nursery(function* (n) {
        start(n, path, function* () {
          try {
            yield* failAfter(50, () => suspend());
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
            log.push(["child-timeout", clock.now()]);
          }
        });
        try {
          yield* sleep(100);
        } catch (e) {
          log.push("PARENT WRONGLY CANCELLED");
          throw e;
        }
        log.push(["parent-slept", clock.now()]);
      });
    });
    valueOf(task);
    expect(log).toEqual([
      ["child-timeout", 50],
      ["parent-slept", 100],
    ]);
  });

  it.each(PATHS)("X07 a nursery opened in the first step belongs to the new task (%s)", (path) => {
    const { task, log } = runVirtual(function* (log) {
      yield* nursery(function* (n) {
        start(n, path, function* () {
          try {
            yield* nursery(function* (m) {
              m.startSoon(function* () {
                yield* sleep(10);
                throw new Error("grandchild");
              });
              yield* sleep(1000);
            });
          } catch (e) {
            log.push(["child-caught", messages(e)]);
          }
        });
        yield* sleep(50);
        log.push("parent-ok");
      });
    });
    valueOf(task);
    expect(log).toEqual([["child-caught", ["grandchild"]], "parent-ok"]);
  });

  it.each(PATHS)(
    "X08 an exception in the first step: startTask does not throw; no leak (%s)",
    (path) => {
      const failure = new MyError("eager-fail");
      const { task, log, clock } = runVirtual(function* (log) {
        let h!: Task<never>;
        try {
          yield* nursery(function* (n) {
            n.startSoon(function* () {
              try {
                yield* sleep(1);
                log.push("sib finished");
              } catch (e) {
                log.push("sib cancelled");
                throw e;
              }
            });
            h = start(n, path, function* (): Generator<never, never> {
              throw failure;
            });
            log.push(["after startTask", h.done]);
            try {
              yield* sleep(0.5);
            } catch (e) {
              log.push("body cancelled");
              throw e;
            }
          });
        } catch (e) {
          log.push(["group", messages(e)]);
          expect((e as NurseryError).errors).toEqual([failure]);
        }
        yield* checkpoint();
        log.push("no leak");
        return h;
      });
      const h = valueOf(task);
      expect(log[0]).toEqual(["after startTask", path === "eager"]);
      expect(new Set(log.slice(1, 3))).toEqual(new Set(["sib cancelled", "body cancelled"]));
      expect(log.slice(3)).toEqual([["group", ["eager-fail"]], "no leak"]);
      expect(errorOf(h)).toBe(failure);
      expect(clock.now()).toBe(0);
    },
  );

  it("X08 after an eager failure, later starts in the same body still succeed", () => {
    const { task, log } = runVirtual(function* (log) {
      try {
        yield* nursery(function* (n) {
          n.startTask(function* () {
            throw new MyError("first");
          });
          const later = n.startTask(function* () {
            log.push("later ran");
            return 1;
          });
          log.push(later.outcome);
        });
      } catch (e) {
        log.push(messages(e));
      }
    });
    valueOf(task);
    expect(log).toEqual(["later ran", { status: "ok", value: 1 }, ["first"]]);
  });

  it("X09 nursery already cancelled when startTask is called", () => {
    for (const path of PATHS) {
      const { task, log, clock } = runVirtual(function* (log) {
        let h!: Task<void>;
        let ns!: CancelScope;
        yield* nursery(function* (n) {
          ns = n.cancelScope;
          n.cancelScope.cancel();
          h = start(n, path, function* () {
            log.push("step1");
            try {
              yield* sleep(1);
            } finally {
              log.push("cleanup");
            }
          });
          log.push("body");
        });
        return { h, ns };
      });
      const { h, ns } = valueOf(task);
      expect(log).toEqual(
        path === "eager" ? ["step1", "body", "cleanup"] : ["body", "step1", "cleanup"],
      );
      expect(h.outcome?.status).toBe("cancelled");
      expect(ns.cancelledCaught).toBe(true);
      expect(clock.now()).toBe(0);
    }
  });

  it.each(PATHS)(
    "X10 the child cancels its own nursery during its first step: no hang (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log, clock) {
        yield* nursery(function* (n) {
          start(n, path, function* () {
            n.cancelScope.cancel();
            yield* sleep(10);
            log.push("unreached");
          });
        });
        log.push(clock.now());
      });
      valueOf(task);
      expect(log).toEqual([0]);
    },
  );

  it.each(PATHS)(
    "X11 a child that starts a failing sibling during its first step: both settle (%s)",
    (path) => {
      // cpython#128550: the second task must be cancelled, not deadlock.
      const { task, log } = runVirtual(function* (log) {
        try {
          yield* nursery(function* (n) {
            start(n, path, function* () {
              start(n, path, function* () {
                throw new MyError("sibling");
              });
              try {
                yield* suspend();
              } catch (e) {
                log.push("first cancelled");
                throw e;
              }
            });
          });
        } catch (e) {
          log.push(messages(e));
        }
      });
      valueOf(task);
      expect(log).toEqual(["first cancelled", ["sibling"]]);
    },
  );

  it("X12 cancelling a handle after eager completion is a no-op; after suspension it cancels", () => {
    for (const path of PATHS) {
      const { task, clock } = runVirtual(function* () {
        let fin!: Task<string>;
        let slow!: Task<number>;
        let ns!: CancelScope;
        yield* nursery(function* (n) {
          ns = n.cancelScope;
          fin = start(n, path, function* () {
            return "fin";
          });
          fin.cancel();
          slow = start(n, path, function* () {
            yield* sleep(0.1);
            return 1;
          });
          slow.cancel();
        });
        return { fin, slow, ns };
      });
      const { fin, slow, ns } = valueOf(task);
      expect(fin.outcome).toEqual({ status: "ok", value: "fin" });
      expect(slow.outcome?.status).toBe("cancelled");
      expect(ns.cancelCalled).toBe(false);
      expect(clock.now()).toBe(0);
    }
  });

  it.each(PATHS)(
    "X14 during its first step the child is among the nursery's children (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        yield* nursery(function* (n: Nursery) {
          const quick = start(n, path, function* () {
            log.push(["quick in children", n.childTasks.includes(currentTask())]);
          });
          const slow = start(n, path, function* () {
            log.push(["slow in children", n.childTasks.includes(currentTask())]);
            yield* sleep(1);
          });
          log.push(["after start", n.childTasks.includes(quick), n.childTasks.includes(slow)]);
          yield* slow;
          log.push(["after finish", n.childTasks.includes(slow)]);
        });
      });
      valueOf(task);
      expect(new Map(log.map((e) => [(e as unknown[])[0], (e as unknown[]).slice(1)]))).toEqual(
        new Map<unknown, unknown[]>([
          ["quick in children", [true]],
          ["slow in children", [true]],
          // Eagerly, `quick` finished during startTask; lazily, it has not run yet.
          ["after start", [path === "lazy", true]],
          ["after finish", [false]],
        ]),
      );
    },
  );

  describe("X15 eager gather", () => {
    const a = function* () {
      return 1;
    };
    const b = function* () {
      return 2;
    };
    it("completes without suspending when every child finishes eagerly", () => {
      const { task, log } = runVirtual(function* (log) {
        log.push(yield* all([a, b]));
      });
      expect(task.done).toBe(true);
      expect(log).toEqual([[1, 2]]);
    });
    it("waits when one child suspends, results in input order", () => {
      const { task, log } = runVirtual(function* (log) {
        log.push(
          yield* all([
            a,
            function* () {
              yield* checkpoint();
              return 3;
            },
          ]),
        );
      });
      valueOf(task);
      expect(log).toEqual([[1, 3]]);
    });
    it("keeps input order when children after a suspended one finish eagerly", () => {
      const waiting = function* () {
        yield* checkpoint();
        return 3;
      };
      const inputs = [a, waiting, b, a, waiting, b];
      function* generated() {
        yield* inputs;
      }
      const { task, log } = runVirtual(function* (log) {
        log.push(yield* all(inputs));
        log.push(yield* all(generated()));
      });
      valueOf(task);
      expect(log).toEqual([
        [1, 3, 2, 1, 3, 2],
        [1, 3, 2, 1, 3, 2],
      ]);
    });
    it("fails like a nursery with every eager failure, in order", () => {
      const { task } = runVirtual(function* () {
        yield* all([
          a,
          function* () {
            throw new MyError("KeyError");
          },
          function* () {
            throw new MyError("ValueError");
          },
        ]);
      });
      expect(task.done).toBe(true);
      expect(messages(errorOf(task))).toEqual(["KeyError", "ValueError"]);
    });
  });

  it.each(PATHS)("X17 the task name is set before the first step (%s)", (path) => {
    const { task, log } = runVirtual(function* (log) {
      yield* nursery(function* (n) {
        start(
          n,
          path,
          function* () {
            log.push(currentTask().name);
          },
          { name: "example name" },
        );
        start(n, path, function* named() {
          log.push(currentTask().name);
        });
      });
    });
    valueOf(task);
    expect(log).toEqual(["example name", "named"]);
  });

  it("X18 startTask called outside any task degrades to a lazy start", async () => {
    let saved!: Nursery;
    const log: string[] = [];
    const { task } = runVirtual(function* () {
      yield* nursery(function* (n) {
        saved = n;
        yield* action<void>((resolve) => {
          queueMicrotask(() => {
            const h = saved.startTask(function* () {
              log.push("child ran");
            });
            log.push(`returned done=${h.done}`);
            resolve();
          });
        });
      });
    });
    await task;
    expect(log).toEqual(["returned done=false", "child ran"]);
  });

  it("a cancelled eager child's Cancelled is absorbed at the nursery", () => {
    const { task } = runVirtual(function* () {
      return yield* nursery(function* (n) {
        n.cancel();
        const h = n.startTask(function* () {
          yield* checkpoint();
        });
        return h;
      });
    });
    const h = valueOf(task) as Task<void>;
    expect(h.outcome).toEqual({ status: "cancelled", reason: undefined });
  });
});
