// Synchronization primitives: Event, Lock, Semaphore, CapacityLimiter,
// Condition — what each does on both start paths, FIFO service, ownership
// rules and the errors they teach with (word for word).
import {
  CapacityLimiter,
  Condition,
  Event,
  Lock,
  Semaphore,
  currentTask,
  nursery,
  run,
  sleep,
  type Operation,
  type Task,
} from "@copse/core";
import { describe, expect, it } from "vitest";
import { PATHS, errorOf, runVirtual, start, valueOf } from "./helpers.js";

describe("Event", () => {
  it.each(PATHS)(
    "wait() suspends until set(), and set() wakes every waiter in the order they waited (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log, clock) {
        const event = new Event();
        yield* nursery(function* (n) {
          for (const name of ["a", "b", "c"]) {
            start(n, path, function* () {
              yield* event.wait();
              log.push(`${name}@${clock.now()}`);
            });
          }
          yield* sleep(5);
          expect(event.statistics()).toEqual({ tasksWaiting: 3 });
          expect(event.isSet).toBe(false);
          event.set();
          event.set(); // idempotent
          expect(event.isSet).toBe(true);
          expect(event.statistics()).toEqual({ tasksWaiting: 0 });
        });
      });
      valueOf(task);
      expect(log).toEqual(["a@5", "b@5", "c@5"]);
    },
  );

  it.each(PATHS)(
    "wait() on a set event returns without suspending: the eager child is done inside startTask (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        const event = new Event();
        event.set();
        yield* nursery(function* (n) {
          const child = start(n, path, function* () {
            yield* event.wait();
            yield* event.wait();
            log.push("child");
          });
          log.push(`body, child done: ${child.done}`);
        });
      });
      valueOf(task);
      expect(log).toEqual(
        path === "eager"
          ? ["child", "body, child done: true"]
          : ["body, child done: false", "child"],
      );
    },
  );

  it("set() from plain code (no task running) wakes a waiting task", async () => {
    const event = new Event();
    const task = run(function* () {
      yield* event.wait();
      return "woken";
    });
    expect(task.done).toBe(false);
    event.set();
    expect(await task).toBe("woken");
  });
});

describe("Lock", () => {
  it.each(PATHS)(
    "serves waiters strictly in FIFO order: a release hands the lock to the first waiter, so nobody barges (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        const lock = new Lock();
        const holds: string[] = [];
        yield* lock.acquire();
        let b: Task<void> | undefined;
        yield* nursery(function* (n) {
          for (const name of ["b", "c"]) {
            const t = start(
              n,
              path,
              function* () {
                yield* lock.acquire();
                holds.push(name);
                yield* sleep(1);
                lock.release();
              },
              { name },
            );
            if (name === "b") b = t;
          }
          yield* sleep(1);
          const before = lock.statistics();
          expect(before.owner).toBe(currentTask());
          expect(before.tasksWaiting).toBe(2);
          lock.release();
          // Handed over: b owns it before it has run, and the releaser cannot take it back.
          const after = lock.statistics();
          expect(after.owner).toBe(b);
          expect([after.locked, after.tasksWaiting]).toEqual([true, 1]);
          expect(lock.tryAcquire()).toBe(false);
          log.push("released");
        });
        log.push(...holds);
        expect(lock.locked).toBe(false);
      });
      valueOf(task);
      expect(log).toEqual(["released", "b", "c"]);
    },
  );

  it.each(PATHS)(
    "acquire() of a free lock completes without suspending, also in an eager first step (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        const lock = new Lock();
        yield* nursery(function* (n) {
          const child = start(
            n,
            path,
            function* () {
              yield* lock.acquire();
              log.push(`owner ${lock.statistics().owner?.name}`);
              lock.release();
            },
            { name: "child" },
          );
          log.push(`child done: ${child.done}`);
        });
      });
      valueOf(task);
      expect(log).toEqual(
        path === "eager"
          ? ["owner child", "child done: true"]
          : ["child done: false", "owner child"],
      );
    },
  );

  it("withLock releases however the body ends, and returns the body's value", () => {
    const { task } = runVirtual(function* () {
      const lock = new Lock();
      const value = yield* lock.withLock(function* () {
        yield* sleep(1);
        return 7;
      });
      const boom = new Error("boom");
      let caught: unknown;
      try {
        yield* lock.withLock(function* () {
          throw boom;
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBe(boom);
      expect(lock.locked).toBe(false);
      return value;
    });
    expect(valueOf(task)).toBe(7);
  });

  it("release by a task that does not hold the lock names the owner", () => {
    const { task } = runVirtual(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      yield* nursery(function* (n) {
        n.startSoon(
          function* () {
            lock.release();
          },
          { name: "intruder" },
        );
      });
    });
    expect((errorOf(task) as AggregateError).errors[0]).toEqual(
      new Error(
        "Lock.release(): the lock is held by task main, not by task intruder; only the task that acquired a lock may release it",
      ),
    );
  });

  it("release of a lock nobody holds, and release from outside any task, are errors", () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(
      new Error(
        "Lock.release(): the lock is not held; release a lock only in the task that acquired it, once per acquire",
      ),
    );
    const task = run(function* () {
      yield* lock.acquire();
    });
    expect(valueOf(task)).toBe(undefined);
    expect(() => lock.release()).toThrow(
      new Error(
        "Lock.release(): the lock is held by task main, not by code outside any task; only the task that acquired a lock may release it",
      ),
    );
  });

  it.each(PATHS)(
    "acquiring a lock the task already holds is an error at the yield* (%s)",
    (path) => {
      const { task } = runVirtual(function* () {
        const lock = new Lock();
        return yield* nursery(function* (n) {
          const child = start(
            n,
            path,
            function* () {
              yield* lock.acquire();
              try {
                yield* lock.acquire();
              } catch (e) {
                return (e as Error).message;
              } finally {
                lock.release();
              }
              return "acquired twice";
            },
            { name: "worker" },
          );
          return yield* child;
        });
      });
      expect(valueOf(task)).toBe(
        "Lock.acquire(): task worker already holds this lock; a Lock is not reentrant, so this would wait forever (release it first)",
      );
    },
  );

  it("tryAcquire takes a free lock without suspending and needs a task", () => {
    const lock = new Lock();
    expect(() => lock.tryAcquire()).toThrow(
      new Error("Lock.tryAcquire() must be called from inside a copse task (no task is running)"),
    );
    const task = run(function* () {
      expect(lock.tryAcquire()).toBe(true);
      expect(() => lock.tryAcquire()).toThrow(
        "Lock.tryAcquire(): task main already holds this lock; a Lock is not reentrant, so this would wait forever (release it first)",
      );
      lock.release();
      return lock.locked;
    });
    expect(valueOf(task)).toBe(false);
  });

  it("withLock checks its body at the call", () => {
    expect(() => new Lock().withLock(42 as never)).toThrow(
      new TypeError("Lock.withLock expects an operation or a function that returns one, got 42"),
    );
  });
});

describe("Semaphore", () => {
  it.each(PATHS)("lets `value` tasks in at once and serves the rest FIFO (%s)", (path) => {
    const { task, log } = runVirtual(function* (log, clock) {
      const slots = new Semaphore(2);
      yield* nursery(function* (n) {
        for (const name of ["a", "b", "c", "d", "e"]) {
          start(n, path, () =>
            slots.withPermit(function* () {
              log.push(`${name}@${clock.now()}`);
              yield* sleep(10);
            }),
          );
        }
      });
      expect(slots.value).toBe(2);
    });
    valueOf(task);
    expect(log).toEqual(["a@0", "b@0", "c@10", "d@10", "e@20"]);
  });

  it("release() may come from anywhere and hands its permit to the first waiter", async () => {
    const gate = new Semaphore(0);
    const task = run(function* () {
      yield* gate.acquire();
      return gate.value;
    });
    expect(gate.statistics()).toEqual({ tasksWaiting: 1 });
    gate.release(); // from plain code
    expect(gate.value).toBe(0); // handed over, not counted
    expect(await task).toBe(0);
    expect(gate.tryAcquire()).toBe(false);
    gate.release();
    expect(gate.tryAcquire()).toBe(true);
  });

  it("a bounded semaphore refuses to go past max", () => {
    const s = new Semaphore(1, { max: 1 });
    expect(s.max).toBe(1);
    expect(() => s.release()).toThrow(
      new Error(
        "Semaphore.release(): released more often than acquired (the value would exceed max 1)",
      ),
    );
    expect(new Semaphore(0).max).toBe(Infinity);
  });

  it("rejects bad arguments with errors that say what is expected", () => {
    expect(() => new Semaphore(-1)).toThrow(
      new RangeError("Semaphore: the initial value must be a non-negative integer, got -1"),
    );
    expect(() => new Semaphore(1.5)).toThrow(
      new RangeError("Semaphore: the initial value must be a non-negative integer, got 1.5"),
    );
    expect(() => new Semaphore(3, { max: 2 })).toThrow(
      new RangeError(
        "Semaphore: max must be an integer no smaller than the initial value (3), got 2",
      ),
    );
    expect(() => new Semaphore(1, 5 as never)).toThrow(
      new TypeError("Semaphore options must be an object, got 5"),
    );
  });
});

describe("CapacityLimiter", () => {
  it.each(PATHS)(
    "holds at most `total` borrowers; raising total lends to waiters at once, lowering takes nothing back (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log, clock) {
        const limiter = new CapacityLimiter(1);
        yield* nursery(function* (n) {
          for (const name of ["a", "b", "c", "d"]) {
            start(n, path, () =>
              limiter.withToken(function* () {
                log.push(`${name}@${clock.now()}`);
                yield* sleep(10);
              }),
            );
          }
          yield* sleep(1);
          expect(limiter.statistics().tasksWaiting).toBe(3);
          limiter.total = 3; // b and c get tokens now
          expect(limiter.borrowed).toBe(3);
          expect(limiter.statistics().tasksWaiting).toBe(1);
          limiter.total = 1; // nobody loses a token; d waits until fewer than 1 are out
          expect(limiter.available).toBe(0);
        });
      });
      valueOf(task);
      expect(log).toEqual(["a@0", "b@1", "c@1", "d@11"]);
    },
  );

  it("a borrower holds at most one token, and only a holder may release", () => {
    const { task } = runVirtual(function* () {
      const limiter = new CapacityLimiter(5);
      yield* limiter.acquire();
      const borrowers = limiter.statistics().borrowers;
      expect(borrowers).toHaveLength(1);
      expect(borrowers[0]).toBe(currentTask());
      let twice: unknown;
      try {
        yield* limiter.acquire();
      } catch (e) {
        twice = e;
      }
      expect(twice).toEqual(
        new Error(
          "CapacityLimiter.acquire(): task main already holds one of this CapacityLimiter's tokens; a borrower holds at most one (release it first)",
        ),
      );
      limiter.release();
      expect(() => limiter.release()).toThrow(
        new Error(
          "CapacityLimiter.release(): task main holds no token of this CapacityLimiter; release only what was acquired, once",
        ),
      );
    });
    valueOf(task);
  });

  it("borrows on behalf of another object, also from plain code", async () => {
    const limiter = new CapacityLimiter(1);
    const job = { id: 1 };
    expect(limiter.tryAcquire(job)).toBe(true);
    expect(() => limiter.tryAcquire(job)).toThrow(
      "CapacityLimiter.tryAcquire(): an object (Object) given as borrower already holds one of this CapacityLimiter's tokens; a borrower holds at most one (release it first)",
    );
    const task = run(function* () {
      const other = { id: 2 };
      yield* limiter.acquire(other); // waits for job's token
      return limiter.statistics().borrowers;
    });
    expect(task.done).toBe(false);
    limiter.release(job);
    expect(await task).toEqual([{ id: 2 }]);
    expect(() => limiter.release()).toThrow(
      new Error(
        "CapacityLimiter.release() was called outside any task without a borrower; call it from a task, or name the borrower",
      ),
    );
  });

  it("rejects a total that is not a positive integer or Infinity", () => {
    expect(() => new CapacityLimiter(0)).toThrow(
      new RangeError("CapacityLimiter: total must be a positive integer or Infinity, got 0"),
    );
    const limiter = new CapacityLimiter(Infinity);
    expect(() => {
      limiter.total = 2.5;
    }).toThrow(
      new RangeError("CapacityLimiter: total must be a positive integer or Infinity, got 2.5"),
    );
    expect(limiter.total).toBe(Infinity);
  });
});

describe("Condition", () => {
  function* waiter(
    cond: Condition,
    log: unknown[],
    name: string,
    now: () => number,
  ): Operation<void> {
    yield* cond.withLock(function* () {
      yield* cond.wait();
      log.push(`${name}@${now()} holds: ${cond.statistics().lock.owner?.name}`);
    });
  }

  it.each(PATHS)(
    "notify(n) wakes the n longest waiters, each returning from wait() holding the lock; notifyAll wakes the rest (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log, clock) {
        const cond = new Condition();
        yield* nursery(function* (n) {
          for (const name of ["a", "b", "c"]) {
            start(n, path, () => waiter(cond, log, name, () => clock.now()), { name });
          }
          yield* sleep(1);
          expect(cond.statistics().tasksWaiting).toBe(3);
          yield* cond.withLock(function* () {
            cond.notify(2);
            const stats = cond.statistics();
            expect(stats.lock.owner).toBe(currentTask());
            expect([stats.tasksWaiting, stats.lock.locked, stats.lock.tasksWaiting]).toEqual([
              1,
              true,
              2,
            ]);
          });
          yield* sleep(1);
          yield* cond.withLock(function* () {
            cond.notifyAll();
          });
        });
      });
      valueOf(task);
      expect(log).toEqual(["a@1 holds: a", "b@1 holds: b", "c@2 holds: c"]);
    },
  );

  it("wait, notify and notifyAll need the lock", () => {
    const cond = new Condition();
    const { task } = runVirtual(function* () {
      let caught: unknown;
      try {
        yield* cond.wait();
      } catch (e) {
        caught = e;
      }
      expect(caught).toEqual(
        new Error(
          "Condition.wait(): the current task must hold the condition's lock; acquire it first (or wait inside withLock)",
        ),
      );
      expect(() => cond.notify()).toThrow(
        new Error(
          "Condition.notify(): the current task must hold the condition's lock; notify inside withLock (or between acquire and release)",
        ),
      );
      expect(() => cond.notifyAll()).toThrow(
        new Error(
          "Condition.notifyAll(): the current task must hold the condition's lock; notify inside withLock (or between acquire and release)",
        ),
      );
      yield* cond.acquire();
      expect(() => cond.notify(-1)).toThrow(
        new RangeError("Condition.notify(n): n must be a non-negative integer, got -1"),
      );
      cond.release();
    });
    valueOf(task);
  });

  it("is built over the given Lock, and only over a Lock", () => {
    const lock = new Lock();
    expect(new Condition(lock).lock).toBe(lock);
    expect(() => new Condition({} as never)).toThrow(
      new TypeError("Condition expects a Lock (or nothing, for a new one), got an object (Object)"),
    );
  });
});
