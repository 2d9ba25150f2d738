// The laws of copse (docs/model.md, docs/cancellation.md), one test each.
// Start here.
//
// The exhaustive eager≡lazy property over generated programs lives in
// @copse/testing (test/equivalence.test.ts); the cases of docs/cases.md are in
// lifecycle/errors/scopes/eager/start.test.ts, named by their ids.
import type { NurseryError } from "@copse/core";
import {
  CancelScope,
  Cancelled,
  action,
  all,
  checkpoint,
  currentTask,
  nursery,
  run,
  sleep,
  suspend,
  type Task,
} from "@copse/core";
import { describe, expect, it } from "vitest";
import { PATHS, errorOf, runVirtual, start, valueOf } from "./helpers.js";

describe("laws", () => {
  it.each(PATHS)(
    "cancellation is thrown, never a return: every cleanup step runs, even one that waits (%s)",
    (path) => {
      const { task, log, clock } = runVirtual(function* (log, clock) {
        yield* nursery(function* (n) {
          start(n, path, function* () {
            try {
              yield* suspend();
            } finally {
              log.push("cleanup started");
              yield* new CancelScope({ shield: true }).run(() => sleep(5));
              log.push(["cleanup finished", clock.now()]);
            }
          });
          yield* sleep(1);
          n.cancel();
        });
        log.push(["nursery exited", clock.now()]);
      });
      valueOf(task);
      expect(log).toEqual(["cleanup started", ["cleanup finished", 6], ["nursery exited", 6]]);
      expect(clock.now()).toBe(6);
    },
  );

  it.each(PATHS)("a nursery waits for every child and reports every failure (%s)", (path) => {
    const errors = [new Error("a"), new Error("b"), new Error("c")];
    const { task } = runVirtual(function* () {
      yield* nursery(function* (n) {
        for (const [i, e] of errors.entries()) {
          start(n, path, function* () {
            if (i > 0) yield* new CancelScope({ shield: true }).run(() => sleep(i));
            throw e;
          });
        }
      });
    });
    expect((errorOf(task) as NurseryError).errors).toEqual(errors);
  });

  it.each(PATHS)("no task outlives its nursery (%s)", (path) => {
    const children: Task<unknown>[] = [];
    const { task } = runVirtual(function* () {
      yield* nursery(function* (n) {
        for (let i = 0; i < 5; i++) {
          children.push(
            start(n, path, function* () {
              yield* sleep(i);
            }),
          );
        }
      });
      return children.every((c) => c.done);
    });
    expect(valueOf(task)).toBe(true);
  });

  it("a lazily started task always begins running, even if cancelled before its turn", () => {
    const { task, log } = runVirtual(function* (log) {
      yield* nursery(function* (n) {
        const h = n.startSoon(function* () {
          log.push("first step ran");
          yield* checkpoint();
          log.push("unreached");
        });
        h.cancel();
        n.cancel();
      });
    });
    valueOf(task);
    expect(log).toEqual(["first step ran"]);
  });

  it("a child is attached to its nursery before its first step", () => {
    const { task } = runVirtual(function* () {
      return yield* nursery(function* (n) {
        const seen: boolean[] = [];
        n.startTask(function* () {
          seen.push(n.childTasks.includes(currentTask()));
        });
        return seen;
      });
    });
    expect(valueOf(task)).toEqual([true]);
  });

  it.each(PATHS)("currentTask() inside every step is that step's own task (%s)", (path) => {
    const { task } = runVirtual(function* () {
      const seen: Task<unknown>[][] = [[], [], []];
      const handles: Task<void>[] = [];
      yield* nursery(function* (n) {
        for (let i = 0; i < 3; i++) {
          handles.push(
            start(n, path, function* () {
              for (let step = 0; step < 3; step++) {
                seen[i]!.push(currentTask());
                yield* checkpoint();
              }
            }),
          );
        }
      });
      return seen.map((steps, i) => steps.every((t) => t === handles[i]) && steps.length === 3);
    });
    expect(valueOf(task)).toEqual([true, true, true]);
  });

  it("cancellation is level-triggered: every suspension inside a cancelled scope raises", () => {
    const { task } = runVirtual(function* () {
      let raised = 0;
      yield* new CancelScope().run(function* (s) {
        s.cancel();
        for (const op of [checkpoint(), sleep(1), suspend(), action<void>(() => {})]) {
          try {
            yield* op;
          } catch (e) {
            if (e instanceof Cancelled) raised++;
          }
        }
      });
      return raised;
    });
    expect(valueOf(task)).toBe(4);
  });

  it("a scope absorbs only its own cancellation", () => {
    const outer = new CancelScope();
    const inner = new CancelScope();
    const { task } = runVirtual(function* () {
      yield* outer.run(() =>
        inner.run(function* () {
          outer.cancel();
          yield* checkpoint();
        }),
      );
    });
    valueOf(task);
    expect(inner.cancelledCaught).toBe(false);
    expect(outer.cancelledCaught).toBe(true);
  });

  it("an operation that completes without suspending is neither a schedule point nor a cancellation point", () => {
    const { task } = runVirtual(function* () {
      return yield* new CancelScope().run(function* (s) {
        s.cancel();
        const finished = yield* n0;
        const a = yield* all([
          function* () {
            return 1;
          },
        ]);
        const b = yield* action<number>((resolve) => resolve(2));
        // Joining a finished task, an eager gather, an action resolved at once.
        return [a[0], b, finished];
      });
    });
    expect(valueOf(task)).toEqual([1, 2, "no suspension"]);
  });

  it("every suspension is a schedule point first: a task in a cancelled scope still lets others run", () => {
    const { task, log } = runVirtual(function* (log) {
      yield* nursery(function* (n) {
        n.startSoon(function* () {
          log.push("other ran");
        });
        yield* new CancelScope().run(function* (s) {
          s.cancel();
          try {
            yield* checkpoint();
          } catch {
            log.push("then Cancelled");
          }
        });
      });
    });
    valueOf(task);
    expect(log).toEqual(["other ran", "then Cancelled"]);
  });

  it.each(PATHS)("cancelling a task cancels that task only (%s)", (path) => {
    const { task, log } = runVirtual(function* (log) {
      let ns!: CancelScope;
      yield* nursery(function* (n) {
        ns = n.cancelScope;
        const a = start(n, path, function* () {
          yield* sleep(10);
          log.push("a finished");
        });
        start(n, path, function* () {
          yield* sleep(10);
          log.push("b finished");
        });
        yield* sleep(1);
        a.cancel();
      });
      log.push(ns.cancelCalled);
    });
    valueOf(task);
    expect(log).toEqual(["b finished", false]);
  });

  it.each(PATHS)(
    "a cancelled task's group error loses the Cancelled members its cancel() caused (%s)",
    (path) => {
      const cleanup = new Error("cleanup failed");
      const { task } = runVirtual(function* () {
        let t!: Task<void>;
        try {
          yield* nursery(function* (n) {
            t = start(n, path, function* () {
              yield* nursery(function* (m) {
                start(m, path, () => sleep(100));
                start(m, path, function* () {
                  try {
                    yield* sleep(100);
                  } finally {
                    // eslint-disable-next-line no-unsafe-finally
                    throw cleanup;
                  }
                });
                yield* sleep(100);
              });
            });
            yield* sleep(1);
            t.cancel();
          });
        } catch {
          // The nursery fails with t's error; what t itself ended with is the point.
        }
        return t.outcome;
      });
      const outcome = valueOf(task);
      expect(outcome?.status).toBe("error");
      const error = (outcome as { error: NurseryError }).error;
      expect(error.errors).toEqual([cleanup]);
    },
  );

  it("errors are the same objects that were thrown", () => {
    const error = new Error("same");
    const { task } = runVirtual(function* () {
      const h = yield* nursery(function* (n) {
        return n.startTask(function* () {
          yield* checkpoint();
          throw error;
        });
      });
      return h;
    });
    expect((errorOf(task) as NurseryError).errors[0]).toBe(error);
  });
});

const n0 = run(function* () {
  return "no suspension";
});
