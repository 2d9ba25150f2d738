// Cancellation of the synchronization primitives and channels, on both
// start paths:
// - a hand-over is committed: a waiter handed a lock, a permit, a token or
//   a value gets it even if it is cancelled before it runs again;
// - a waiter cancelled before the hand-over leaves its queue at once, and
//   the resource goes to the next waiter or stays where it was;
// - a wait that can be satisfied at once does not suspend, unless its scope
//   is cancelled: then it yields, takes nothing and throws `Cancelled`;
// - the non-blocking calls are not cancellation points.
import {
  CancelScope,
  Cancelled,
  CapacityLimiter,
  Condition,
  Event,
  Lock,
  Semaphore,
  channel,
  checkpoint,
  currentTask,
  nursery,
  sleep,
  type Operation,
  type Task,
} from "@copse/core";
import { runtimeStats } from "@copse/core/internal";
import { describe, expect, it } from "vitest";
import { PATHS, runVirtual, start, valueOf, type Path } from "./helpers.js";

/** A resource some task holds, a wait for it, and how the holder hands it over. */
interface Contended {
  /** The wait a task blocks on. */
  wait(): Operation<unknown>;
  /** What the waiter does with what it got, when done (release, or nothing). */
  giveBack(): void;
  /** The other side satisfies the wait (a release, a send, a receive). */
  handOver(): void;
  /** How many wait right now. */
  waiting(): number;
  /** The state once the cancelled waiter is gone and the hand-over went elsewhere. */
  untouched(): unknown;
  /** What `untouched()` should be. */
  readonly expectedUntouched: unknown;
}

/** Each case is made inside the main task, which holds whatever is contended. */
const CONTENDED: Record<string, () => Operation<Contended>> = {
  *"Lock.acquire"() {
    const lock = new Lock();
    yield* lock.acquire();
    return {
      wait: () => lock.acquire(),
      giveBack: () => lock.release(),
      handOver: () => lock.release(),
      waiting: () => lock.statistics().tasksWaiting,
      untouched: () => lock.statistics().owner,
      expectedUntouched: null, // freed, not given to the cancelled waiter
    };
  },
  *"Semaphore.acquire"() {
    const semaphore = new Semaphore(0);
    return {
      wait: () => semaphore.acquire(),
      giveBack: () => semaphore.release(),
      handOver: () => semaphore.release(),
      waiting: () => semaphore.statistics().tasksWaiting,
      untouched: () => semaphore.value,
      expectedUntouched: 1, // the permit stays in the semaphore
    };
  },
  *"CapacityLimiter.acquire"() {
    const limiter = new CapacityLimiter(1);
    yield* limiter.acquire();
    return {
      wait: () => limiter.acquire(),
      giveBack: () => limiter.release(),
      handOver: () => limiter.release(),
      waiting: () => limiter.statistics().tasksWaiting,
      untouched: () => limiter.borrowed,
      expectedUntouched: 0,
    };
  },
  *"ReceiveEnd.receive"() {
    const [send, receive] = channel<string>(1);
    return {
      wait: () => receive.receive(),
      giveBack: () => {},
      handOver: () => expect(send.trySend("value")).toBe(true),
      waiting: () => send.statistics().waitingReceivers,
      untouched: () => receive.tryReceive(),
      expectedUntouched: { ok: true, value: "value" }, // still buffered, not lost
    };
  },
  *"SendEnd.send"() {
    const [send, receive] = channel<string>(0);
    let taken: unknown;
    return {
      wait: () => send.send("value"),
      giveBack: () => {},
      handOver: () => {
        taken = receive.tryReceive();
      },
      waiting: () => send.statistics().waitingSenders,
      untouched: () => taken,
      expectedUntouched: { ok: false }, // never delivered
    };
  },
};

function* waiterBody(c: Contended, log: unknown[]): Operation<void> {
  try {
    const got = yield* c.wait();
    log.push(["got", got]);
    try {
      yield* checkpoint(); // the next suspension raises the pending Cancelled
      log.push("not cancelled");
    } finally {
      c.giveBack();
    }
  } catch (error) {
    log.push(error instanceof Cancelled ? "cancelled" : error);
    throw error;
  }
}

describe("a hand-over is committed, a cancelled waiter is gone at once", () => {
  for (const [name, make] of Object.entries(CONTENDED)) {
    it.each(PATHS)(
      `${name}: handed over, then cancelled before it runs: the waiter keeps what it got (%s)`,
      (path) => {
        const { task, log } = runVirtual(function* (log) {
          const c = yield* make();
          let waiter: Task<void> | undefined;
          yield* nursery(function* (n) {
            waiter = start(n, path, () => waiterBody(c, log));
            yield* sleep(1); // the waiter is blocked now, on both paths
            expect(c.waiting()).toBe(1);
            c.handOver();
            waiter.cancel();
          });
          return waiter!.outcome?.status;
        });
        expect(valueOf(task)).toBe("cancelled");
        expect(log).toEqual([
          ["got", name === "ReceiveEnd.receive" ? "value" : undefined],
          "cancelled",
        ]);
      },
    );

    it.each(PATHS)(
      `${name}: cancelled, then handed over: the waiter left the queue at once and took nothing (%s)`,
      (path) => {
        const { task, log } = runVirtual(function* (log) {
          const c = yield* make();
          let waiter: Task<void> | undefined;
          yield* nursery(function* (n) {
            waiter = start(n, path, () => waiterBody(c, log));
            yield* sleep(1);
            waiter.cancel();
            expect(c.waiting()).toBe(0); // removed before it even runs
            c.handOver();
          });
          return [waiter!.outcome?.status, c.untouched(), c.expectedUntouched];
        });
        const [status, untouched, expected] = valueOf(task);
        expect(status).toBe("cancelled");
        expect(untouched).toEqual(expected);
        expect(log).toEqual(["cancelled"]);
      },
    );
  }

  it.each(PATHS)(
    "Event.wait: set then cancelled, or cancelled then set: Cancelled either way (the flag stays set) (%s)",
    (path) => {
      for (const order of ["set first", "cancel first"] as const) {
        const { task, log } = runVirtual(function* (log) {
          const event = new Event();
          let waiter: Task<void> | undefined;
          yield* nursery(function* (n) {
            waiter = start(n, path, function* () {
              try {
                yield* event.wait();
                log.push("woken");
              } catch (error) {
                log.push(error instanceof Cancelled ? "cancelled" : error);
                throw error;
              }
            });
            yield* sleep(1);
            if (order === "set first") event.set();
            waiter.cancel();
            expect(event.statistics().tasksWaiting).toBe(0);
            event.set();
          });
          return waiter!.outcome?.status;
        });
        expect(valueOf(task)).toBe("cancelled");
        expect(log).toEqual(["cancelled"]);
      }
    },
  );
});

describe("Condition.wait re-acquires the lock before it raises Cancelled", () => {
  function* conditionWaiter(cond: Condition, log: unknown[]): Operation<void> {
    yield* cond.withLock(function* () {
      const me = currentTask();
      try {
        yield* cond.wait();
        log.push("returned from wait");
        yield* checkpoint();
      } catch (error) {
        log.push(
          `${error instanceof Cancelled ? "cancelled" : error}, holds the lock: ${cond.statistics().lock.owner === me}`,
        );
        throw error;
      }
    });
  }

  const orders = {
    "cancelled while waiting for a notify": function* (cond: Condition, waiter: Task<void>) {
      yield* cond.acquire();
      waiter.cancel();
      expect(cond.statistics().tasksWaiting).toBe(0);
      yield* sleep(1); // the waiter waits (shielded) for the lock meanwhile
      expect(cond.statistics().lock.tasksWaiting).toBe(1);
      cond.release();
    },
    "cancelled after the notify, while waiting for the lock": function* (
      cond: Condition,
      waiter: Task<void>,
    ) {
      yield* cond.acquire();
      cond.notify();
      waiter.cancel();
      expect(cond.statistics().lock.tasksWaiting).toBe(0); // left the lock's queue...
      yield* sleep(1);
      expect(cond.statistics().lock.tasksWaiting).toBe(1); // ...and queued again, shielded
      cond.release();
    },
  };

  for (const [order, act] of Object.entries(orders)) {
    it.each(PATHS)(`${order} (%s)`, (path) => {
      const { task, log } = runVirtual(function* (log) {
        const cond = new Condition();
        let waiter: Task<void> | undefined;
        yield* nursery(function* (n) {
          waiter = start(n, path, () => conditionWaiter(cond, log));
          yield* sleep(1);
          yield* act(cond, waiter);
        });
        return [waiter!.outcome?.status, cond.locked];
      });
      expect(valueOf(task)).toEqual(["cancelled", false]);
      expect(log).toEqual(["cancelled, holds the lock: true"]);
    });
  }

  it.each(PATHS)(
    "notified and handed the lock, then cancelled: wait returns holding the lock (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        const cond = new Condition();
        let waiter: Task<void> | undefined;
        yield* nursery(function* (n) {
          waiter = start(n, path, () => conditionWaiter(cond, log));
          yield* sleep(1);
          yield* cond.acquire();
          cond.notify();
          cond.release(); // hands the lock to the waiter
          waiter.cancel();
        });
        return [waiter!.outcome?.status, cond.locked];
      });
      expect(valueOf(task)).toEqual(["cancelled", false]);
      expect(log).toEqual(["returned from wait", "cancelled, holds the lock: true"]);
    },
  );

  it.each(PATHS)(
    "in an already cancelled scope: releases the lock, yields, gets it back and raises Cancelled (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        const cond = new Condition();
        yield* nursery(function* (n) {
          const waiter = start(n, path, function* () {
            yield* cond.acquire();
            const scope = new CancelScope();
            scope.cancel();
            yield* scope.run(() => conditionWaitLogged(cond, log));
            log.push(
              `after the scope, holds the lock: ${cond.statistics().lock.owner === currentTask()}`,
            );
            cond.release();
          });
          log.push(`started, done: ${waiter.done}`);
        });
      });
      valueOf(task);
      expect(log).toEqual([
        "started, done: false",
        "cancelled",
        "after the scope, holds the lock: true",
      ]);
    },
  );

  function* conditionWaitLogged(cond: Condition, log: unknown[]): Operation<void> {
    try {
      yield* cond.wait();
    } catch (error) {
      log.push(error instanceof Cancelled ? "cancelled" : error);
      throw error;
    }
  }
});

/** A wait that can be satisfied at once, and what "nothing was taken" looks like. */
interface Ready {
  wait(): Operation<unknown>;
  /** The state of the resource, to compare before and after. */
  state(): unknown;
}

const READY: Record<string, () => Ready> = {
  "Event.wait on a set event": () => {
    const event = new Event();
    event.set();
    return { wait: () => event.wait(), state: () => event.isSet };
  },
  "Lock.acquire of a free lock": () => {
    const lock = new Lock();
    return { wait: () => lock.acquire(), state: () => lock.locked };
  },
  "Semaphore.acquire with a permit": () => {
    const semaphore = new Semaphore(1);
    return { wait: () => semaphore.acquire(), state: () => semaphore.value };
  },
  "CapacityLimiter.acquire with a free token": () => {
    const limiter = new CapacityLimiter(1);
    return { wait: () => limiter.acquire(), state: () => limiter.borrowed };
  },
  "SendEnd.send with room": () => {
    const [send] = channel<number>(1);
    return { wait: () => send.send(1), state: () => send.statistics().buffered };
  },
  "ReceiveEnd.receive with a value buffered": () => {
    const [send, receive] = channel<number>(1);
    send.trySend(1);
    return { wait: () => receive.receive(), state: () => receive.statistics().buffered };
  },
};

/**
 * Runs `body` in a task started on `path`; then the caller logs "caller" and
 * starts a sibling that logs "sibling", so the log shows where `body` yielded.
 */
function withCallerAndSibling(path: Path, body: (log: unknown[]) => Operation<void>) {
  return runVirtual(function* (log) {
    yield* nursery(function* (n) {
      start(n, path, () => body(log));
      log.push("caller");
      n.startSoon(function* () {
        log.push("sibling");
      });
    });
  });
}

describe("a wait that can be satisfied at once", () => {
  for (const [name, make] of Object.entries(READY)) {
    it.each(PATHS)(
      `${name}: completes without suspending — no schedule point, no turn (%s)`,
      (path) => {
        const { task, log } = withCallerAndSibling(path, function* (log) {
          const ready = make();
          const turns = runtimeStats(currentTask()).turns;
          log.push("before");
          yield* ready.wait();
          log.push("after");
          expect(runtimeStats(currentTask()).turns).toBe(turns);
        });
        valueOf(task);
        expect(log).toEqual(
          path === "eager"
            ? ["before", "after", "caller", "sibling"]
            : ["caller", "before", "after", "sibling"],
        );
      },
    );

    it.each(PATHS)(
      `${name}: inside a cancelled scope it yields, takes nothing and raises Cancelled (%s)`,
      (path) => {
        const { task, log } = withCallerAndSibling(path, function* (log) {
          const ready = make();
          const before = ready.state();
          const scope = new CancelScope();
          scope.cancel();
          yield* scope.run(function* () {
            log.push("before");
            try {
              yield* ready.wait();
              log.push("after");
            } catch (error) {
              log.push(error instanceof Cancelled ? "cancelled" : error);
              throw error;
            }
          });
          expect(ready.state()).toEqual(before);
        });
        valueOf(task);
        // The wait is a schedule point: the caller (eager) and the sibling (lazy) run in between.
        expect(log).toEqual(
          path === "eager"
            ? ["before", "caller", "cancelled", "sibling"]
            : ["caller", "before", "sibling", "cancelled"],
        );
      },
    );
  }

  it.each(PATHS)(
    "cancelled at entry but no longer cancelled when it resumes (a shield was raised): the wait happens for real (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        const lock = new Lock();
        yield* lock.acquire();
        const outer = new CancelScope();
        const inner = new CancelScope();
        outer.cancel();
        yield* nursery(function* (n) {
          start(n, path, () =>
            outer.run(() =>
              inner.run(function* () {
                yield* lock.acquire(); // cancelled at entry: yields first
                log.push(`holds the lock: ${lock.statistics().owner === currentTask()}`);
                lock.release();
              }),
            ),
          );
          // Let the lazy child reach its acquire; the eager one did already.
          if (path === "lazy") yield* checkpoint();
          inner.shield = true; // before the waiter's next turn
          yield* sleep(1);
          expect(lock.statistics().tasksWaiting).toBe(1); // it really waits now
          lock.release();
        });
      });
      valueOf(task);
      expect(log).toEqual(["holds the lock: true"]);
    },
  );
});

describe("the calls that never suspend are not cancellation points", () => {
  it.each(PATHS)(
    "set, release, notify, tryAcquire, trySend, tryReceive, close and clone work inside a cancelled scope (%s)",
    (path) => {
      const { task } = runVirtual(function* () {
        const event = new Event();
        const lock = new Lock();
        const cond = new Condition(lock);
        const semaphore = new Semaphore(0);
        const limiter = new CapacityLimiter(1);
        const [send, receive] = channel<number>(1);
        return yield* nursery(function* (n) {
          const child = start(n, path, function* () {
            const scope = new CancelScope();
            scope.cancel();
            return yield* scope.run(function* () {
              event.set();
              semaphore.release();
              const results = [
                lock.tryAcquire(),
                semaphore.tryAcquire(),
                limiter.tryAcquire(),
                send.trySend(1),
                receive.tryReceive(),
              ];
              cond.notifyAll();
              lock.release();
              limiter.release();
              send.clone().close();
              receive.clone().close();
              return results;
            });
          });
          return yield* child;
        });
      });
      expect(valueOf(task)).toEqual([true, true, true, true, { ok: true, value: 1 }]);
    },
  );
});
