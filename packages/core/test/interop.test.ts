// Promise and AbortSignal interop: call, until, useAbortSignal, action, run's signal; race.
import {
  CancelScope,
  Cancelled,
  action,
  call,
  checkpoint,
  nursery,
  race,
  run,
  sleep,
  suspend,
  until,
  useAbortSignal,
} from "@copse/core";
import { VirtualClock } from "@copse/testing";
import { describe, expect, it } from "vitest";
import { PATHS, errorOf, messages, runVirtual, start, valueOf } from "./helpers.js";

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe("call and until", () => {
  it("call waits for the promise and passes a signal", async () => {
    const task = run(function* () {
      return yield* call(async (signal) => {
        await tick();
        return signal.aborted ? "aborted" : "value";
      });
    });
    expect(await task).toBe("value");
  });

  it("a rejected promise throws at the yield*", async () => {
    const boom = new Error("boom");
    const task = run(function* () {
      try {
        yield* until(Promise.reject(boom));
        return "unreached";
      } catch (e) {
        return e;
      }
    });
    expect(await task).toBe(boom);
  });

  it("on cancellation the signal aborts, Cancelled is raised at once, and a later rejection is handled", async () => {
    let signal!: AbortSignal;
    let rejectLater!: (e: unknown) => void;
    const clock = new VirtualClock();
    const log: unknown[] = [];
    const task = run(
      function* () {
        const scope = new CancelScope();
        yield* nursery(function* (n) {
          n.startSoon(function* () {
            yield* sleep(5);
            scope.cancel("stop");
          });
          yield* scope.run(function* () {
            try {
              yield* call(
                (s) =>
                  new Promise((_, reject) => {
                    signal = s;
                    rejectLater = reject; // ignores the signal
                  }),
              );
            } catch (e) {
              log.push([e instanceof Cancelled, clock.now()]);
              throw e;
            }
          });
        });
        return scope.cancelledCaught;
      },
      { clock },
    );
    // The pending promise holds virtual time: advance it by hand.
    await tick();
    clock.advance(5);
    expect(await task).toBe(true);
    expect(log).toEqual([[true, 5]]);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(Cancelled);
    // The abandoned promise rejects after its task was cancelled: handled
    // (the test setup fails any test that leaves an unhandled rejection).
    rejectLater(new Error("too late"));
    await tick();
  });

  it("until abandons a promise that rejects after cancellation, with the rejection handled", async () => {
    let rejectLater!: (e: unknown) => void;
    const task = run(function* () {
      yield* new CancelScope({ shield: false }).run(function* (s) {
        yield* nursery(function* (n) {
          n.startSoon(function* () {
            yield* checkpoint();
            s.cancel();
          });
          yield* until(new Promise((_, reject) => (rejectLater = reject)));
        });
      });
      return "done";
    });
    expect(await task).toBe("done");
    rejectLater(new Error("late"));
    await tick();
  });

  it("a promise abandoned by a cancelled wait never wakes the task's later waits", async () => {
    // The task reuses one promise listener wait after wait; the abandoned
    // promise still holds the old one and settles while the task waits for
    // the next promise: the task must get the next promise's value.
    let resolveFirst!: (v: string) => void;
    let resolveSecond!: (v: string) => void;
    const seen: unknown[] = [];
    const task = run(function* () {
      yield* new CancelScope().run(function* (s) {
        yield* nursery(function* (n) {
          n.startSoon(function* () {
            yield* checkpoint();
            s.cancel();
          });
          try {
            yield* until(new Promise<string>((resolve) => (resolveFirst = resolve)));
          } catch (e) {
            seen.push(e instanceof Cancelled);
            throw e;
          }
        });
      });
      const second = until(new Promise<string>((resolve) => (resolveSecond = resolve)));
      resolveFirst("stale");
      seen.push(yield* second);
      seen.push(yield* until(Promise.resolve("third")));
      seen.push(yield* call(async () => "fourth"));
      return seen;
    });
    await tick();
    resolveSecond("second");
    expect(await task).toEqual([true, "second", "third", "fourth"]);
  });

  it("a thenable that calls back twice resumes its wait once and never the task's next wait", async () => {
    let fulfil!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const thenable: PromiseLike<string> = {
      then(onFulfilled, onRejected) {
        fulfil = onFulfilled as (v: unknown) => void;
        reject = onRejected as (e: unknown) => void;
        return thenable as never;
      },
    };
    let resolveNext!: (v: string) => void;
    const seen: unknown[] = [];
    const task = run(function* () {
      seen.push(yield* until(thenable));
      seen.push(yield* until(new Promise<string>((resolve) => (resolveNext = resolve))));
      seen.push(yield* call(() => thenable));
      return seen;
    });
    fulfil("first");
    await tick();
    // The task now waits for the native promise: the thenable calls again.
    fulfil("again");
    reject(new Error("late"));
    await tick();
    expect(seen).toEqual(["first"]);
    resolveNext("next");
    await tick();
    expect(seen).toEqual(["first", "next"]);
    fulfil("third");
    expect(await task).toEqual(["first", "next", "third"]);
  });

  it("listeners are shared by all waits: a promise abandoned by one task, settling later, never wakes another wait", async () => {
    // Promise listeners are pooled across tasks. Cancel the waits of half
    // the tasks (their promises stay pending) and let every task wait
    // again (taking listeners from the pool); then settle the abandoned
    // promises while those waits are pending: each task must get exactly
    // its own promises' values.
    const n = 20;
    const deferred = () => {
      let resolve!: (v: string) => void;
      const promise = new Promise<string>((res) => (resolve = res));
      return { promise, resolve };
    };
    const first = Array.from({ length: n }, deferred);
    const second = Array.from({ length: n }, deferred);
    const scopes = Array.from({ length: n }, () => new CancelScope());
    const got: string[][] = Array.from({ length: n }, () => []);
    const task = run(function* () {
      yield* nursery(function* (nr) {
        for (let i = 0; i < n; i++) {
          nr.startSoon(function* () {
            yield* scopes[i]!.run(function* () {
              got[i]!.push(yield* until(first[i]!.promise));
            });
            if (scopes[i]!.cancelledCaught) got[i]!.push("cancelled");
            got[i]!.push(yield* call(() => second[i]!.promise));
          });
        }
      });
      return got;
    });
    await tick();
    for (let i = 0; i < n; i += 2) scopes[i]!.cancel();
    for (let i = 1; i < n; i += 2) first[i]!.resolve(`first ${i}`);
    await tick(); // every task now waits for `second`
    for (let i = 0; i < n; i += 2) first[i]!.resolve(`stale ${i}`);
    await tick();
    for (let i = 0; i < n; i++) second[i]!.resolve(`second ${i}`);
    expect(await task).toEqual(
      Array.from({ length: n }, (_, i) => [
        i % 2 === 0 ? "cancelled" : `first ${i}`,
        `second ${i}`,
      ]),
    );
  });

  it("a rejection after a fulfilled wait reaches the next wait of the same task", async () => {
    const boom = new Error("boom");
    const task = run(function* () {
      const log: unknown[] = [];
      for (let i = 0; i < 3; i++) log.push(yield* until(Promise.resolve(i)));
      try {
        yield* until(Promise.reject(boom));
      } catch (e) {
        log.push(e);
      }
      log.push(yield* until(Promise.resolve("after")));
      return log;
    });
    expect(await task).toEqual([0, 1, 2, boom, "after"]);
  });

  it("inside a cancelled scope, call does not start the work", () => {
    let called = false;
    const { task } = runVirtual(function* () {
      return yield* new CancelScope().run(function* (s) {
        s.cancel();
        yield* call(async () => {
          called = true;
        });
        return "unreached";
      });
    });
    expect(valueOf(task)).toBeUndefined();
    expect(called).toBe(false);
  });

  it("call returns a non-promise value without suspending", () => {
    const { task } = runVirtual(function* () {
      return yield* call(() => 7);
    });
    expect(task.done).toBe(true);
    expect(valueOf(task)).toBe(7);
  });
});

describe("useAbortSignal", () => {
  it.each(PATHS)(
    "aborts when the scope current at the call is cancelled, including task.cancel() (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        yield* nursery(function* (n) {
          const h = start(n, path, function* () {
            const signal = yield* useAbortSignal();
            signal.addEventListener("abort", () =>
              log.push(["aborted", (signal.reason as Error).name]),
            );
            yield* suspend();
          });
          yield* sleep(1);
          h.cancel("enough");
        });
        const outer = new CancelScope();
        yield* outer.run(function* () {
          const signal = yield* useAbortSignal();
          const shielded = yield* new CancelScope({ shield: true }).run(() => useAbortSignal());
          outer.cancel();
          log.push(["outer", signal.aborted, shielded!.aborted]);
        });
      });
      valueOf(task);
      expect(log).toEqual([
        ["aborted", "Cancelled"],
        ["outer", true, false],
      ]);
    },
  );
});

describe("action", () => {
  it("resolves later from a callback; teardown runs once", async () => {
    let teardowns = 0;
    const task = run(function* () {
      return yield* action<number>((resolve) => {
        const id = setTimeout(() => resolve(3), 1);
        return () => {
          teardowns++;
          clearTimeout(id);
        };
      });
    });
    expect(await task).toBe(3);
    expect(teardowns).toBe(1);
  });

  it("is a cancellation point: teardown runs and the task gets Cancelled", () => {
    let teardowns = 0;
    const { task, clock } = runVirtual(function* () {
      return yield* new CancelScope({ deadline: 5 }).run(function* () {
        yield* action<void>(() => () => teardowns++);
      });
    });
    expect(valueOf(task)).toBeUndefined();
    expect(teardowns).toBe(1);
    expect(clock.now()).toBe(5);
  });

  it("a setup that throws fails the yield*", () => {
    const { task } = runVirtual(function* () {
      try {
        yield* action(() => {
          throw new Error("setup failed");
        });
        return "unreached";
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(valueOf(task)).toBe("setup failed");
  });
});

describe("run", () => {
  it("aborting the signal cancels the root task", async () => {
    const controller = new AbortController();
    const task = run(
      function* () {
        yield* suspend();
      },
      { signal: controller.signal },
    );
    controller.abort("shutdown");
    await expect(task).rejects.toBeInstanceOf(Cancelled);
    expect(task.outcome).toEqual({ status: "cancelled", reason: "shutdown" });
  });

  it("an already aborted signal cancels at the first suspension", async () => {
    const task = run(
      function* () {
        yield* checkpoint();
        return "unreached";
      },
      { signal: AbortSignal.abort("before") },
    );
    await expect(task).rejects.toMatchObject({ source: "signal", reason: "before" });
  });

  it("a root task can be joined from another run", async () => {
    const inner = run(function* () {
      yield* call(() => tick());
      return 5;
    });
    const outer = run(function* () {
      return (yield* inner) + 1;
    });
    expect(await outer).toBe(6);
  });
});

describe("race", () => {
  it("the first to finish wins; the rest are cancelled and cleaned up", () => {
    const { task, log, clock } = runVirtual(function* (log) {
      return yield* race([
        function* () {
          try {
            yield* sleep(10);
            return "slow";
          } finally {
            log.push("slow cleaned up");
          }
        },
        function* () {
          yield* sleep(2);
          return "fast";
        },
      ]);
    });
    expect(valueOf(task)).toBe("fast");
    expect(log).toEqual(["slow cleaned up"]);
    expect(clock.now()).toBe(2);
  });

  it("an eager winner stops the later operations from starting", () => {
    let started = 0;
    const { task } = runVirtual(function* () {
      return yield* race([
        function* () {
          return "cached";
        },
        function* () {
          started++;
          yield* sleep(1);
          return "fetched";
        },
      ]);
    });
    expect(valueOf(task)).toBe("cached");
    expect(started).toBe(0);
  });

  it("a failing winner fails the race like a nursery", () => {
    const { task } = runVirtual(function* () {
      return yield* race([
        function* () {
          yield* sleep(1);
          throw new Error("lost");
        },
        function* () {
          yield* sleep(2);
          return "late";
        },
      ]);
    });
    expect(messages(errorOf(task))).toEqual(["lost"]);
  });
});
