// docs/cases.md, nursery lifecycle (L cases).
import { CancelScope, checkpoint, nursery, sleep, suspend, type Nursery } from "@copse/core";
import { describe, expect, it } from "vitest";
import { PATHS, runVirtual, start, valueOf, noteCancelled } from "./helpers.js";

describe("L: nursery lifecycle", () => {
  it("L01 startSoon returns before the child runs (eager: the child's first step runs first)", () => {
    for (const path of PATHS) {
      const { task, log } = runVirtual(function* (log) {
        yield* nursery(function* (n) {
          log.push("b1");
          start(n, path, function* () {
            log.push("c");
          });
          log.push("b2");
        });
        log.push("after");
      });
      valueOf(task);
      expect(log).toEqual(
        path === "lazy" ? ["b1", "b2", "c", "after"] : ["b1", "c", "b2", "after"],
      );
    }
  });

  it("L02 siblings start in FIFO order; eager steps run at their start calls", () => {
    for (const path of PATHS) {
      const { task, log } = runVirtual(function* (log) {
        const child = (i: number) =>
          function* () {
            log.push(`s${i}`);
            yield* checkpoint();
            log.push(`e${i}`);
          };
        yield* nursery(function* (n) {
          start(n, path, child(1));
          start(n, path, child(2));
          log.push("body");
        });
      });
      valueOf(task);
      expect(log).toEqual(
        path === "lazy" ? ["body", "s1", "s2", "e1", "e2"] : ["s1", "s2", "body", "e1", "e2"],
      );
    }
  });

  it.each(PATHS)("L03 the body finishes first; the nursery waits for every child (%s)", (path) => {
    const { task, log, clock } = runVirtual(function* (log, clock) {
      const c = (d: number, r: number) =>
        function* () {
          yield* sleep(d);
          log.push(["done", d, clock.now()]);
          return r;
        };
      let h1, h2;
      yield* nursery(function* (n) {
        h1 = start(n, path, c(2, 11));
        h2 = start(n, path, c(1, 42));
        log.push(["body", clock.now()]);
      });
      log.push(["exit", clock.now()]);
      return [h1!, h2!] as const;
    });
    const [h1, h2] = valueOf(task);
    expect(log).toEqual([
      ["body", 0],
      ["done", 1, 1],
      ["done", 2, 2],
      ["exit", 2],
    ]);
    expect(valueOf(h2)).toBe(42);
    expect(valueOf(h1)).toBe(11);
    expect(clock.now()).toBe(2);
  });

  it.each(PATHS)("L04 tasks interleave only at checkpoints, FIFO per round (%s)", (path) => {
    const { task, log } = runVirtual(function* (log) {
      const looper = (w: string) =>
        function* () {
          for (let i = 0; i < 3; i++) {
            log.push([w, i]);
            yield* checkpoint();
          }
        };
      yield* nursery(function* (n) {
        start(n, path, looper("a"));
        start(n, path, looper("b"));
      });
    });
    valueOf(task);
    expect(log).toEqual([
      ["a", 0],
      ["b", 0],
      ["a", 1],
      ["b", 1],
      ["a", 2],
      ["b", 2],
    ]);
  });

  describe("L05 spawning while the nursery waits is allowed; after exit it is closed", () => {
    const late = {
      startSoon: (n: Nursery, fn: () => Generator) => n.startSoon(fn),
      startTask: (n: Nursery, fn: () => Generator) => n.startTask(fn),
      start: (n: Nursery, fn: () => Generator) => n.start(fn),
    };
    for (const path of PATHS) {
      for (const [kind, lateStart] of Object.entries(late)) {
        it(`${path} child spawns into the waiting nursery; a late ${kind} fails`, () => {
          let runs = 0;
          const { task, log, clock } = runVirtual(function* (log) {
            const child2 = function* () {
              runs++;
              log.push("c2");
            };
            let saved: Nursery | undefined;
            yield* nursery(function* (n) {
              saved = n;
              start(n, path, function* () {
                log.push("c1");
                n.startSoon(child2);
              });
            });
            try {
              lateStart(saved!, child2);
            } catch (e) {
              log.push(["closed", (e as Error).constructor.name, (e as Error).message]);
            }
          });
          valueOf(task);
          expect(log).toEqual([
            "c1",
            "c2",
            [
              "closed",
              "Error",
              "Nursery is closed to new arrivals: it has finished; start the task in a nursery that is still open (an enclosing one)",
            ],
          ]);
          expect(runs).toBe(1);
          expect(clock.now()).toBe(0);
        });
      }
    }
  });

  it("L06 an empty nursery's exit is a schedule point, not a cancellation point", () => {
    const { task, log } = runVirtual(function* (log) {
      const cs = new CancelScope();
      yield* cs.run(function* () {
        cs.cancel();
        yield* nursery(function* () {});
        log.push("after-nursery");
      });
      log.push(cs.cancelledCaught);
      // Another ready task runs during the empty nursery's exit.
      yield* nursery(function* (outer) {
        outer.startSoon(function* () {
          log.push("other");
        });
        yield* nursery(function* () {});
        log.push("after-empty");
      });
    });
    valueOf(task);
    expect(log).toEqual(["after-nursery", false, "other", "after-empty"]);
  });

  it("L07 a task spawned into an already cancelled nursery still starts", () => {
    for (const path of PATHS) {
      const { task, log, clock } = runVirtual(function* (log) {
        let h;
        let n0!: Nursery;
        yield* nursery(function* (n) {
          n0 = n;
          n.cancelScope.cancel();
          h = start(n, path, function* () {
            log.push("started");
            yield* noteCancelled(log, "cancelled", suspend());
          });
          log.push("body-end");
        });
        log.push(n0.cancelScope.cancelledCaught);
        return h!;
      });
      const h = valueOf(task);
      expect(log).toEqual(
        path === "lazy"
          ? ["body-end", "started", "cancelled", true]
          : ["started", "body-end", "cancelled", true],
      );
      expect(h.outcome?.status).toBe("cancelled");
      expect(clock.now()).toBe(0);
    }
  });

  it.each(PATHS)("L08 cancelling the nursery's scope cancels all descendants (%s)", (path) => {
    const { task, log, clock } = runVirtual(function* (log) {
      const leaf = (id: string) =>
        function* () {
          try {
            yield* suspend();
          } catch (e) {
            log.push(id);
            throw e;
          }
        };
      const worker = (id: string) =>
        function* () {
          yield* nursery(function* (m) {
            start(m, path, leaf(`${id}-l1`));
            start(m, path, leaf(`${id}-l2`));
          });
        };
      let scope!: CancelScope;
      yield* nursery(function* (n) {
        scope = n.cancelScope;
        start(n, path, worker("w1"));
        start(n, path, worker("w2"));
        yield* sleep(1);
        n.cancelScope.cancel();
      });
      return scope;
    });
    const scope = valueOf(task);
    expect(new Set(log)).toEqual(new Set(["w1-l1", "w1-l2", "w2-l1", "w2-l2"]));
    expect(log).toHaveLength(4);
    expect(clock.now()).toBe(1);
    expect(scope.cancelCalled).toBe(true);
    expect(scope.cancelledCaught).toBe(true);
  });
});
