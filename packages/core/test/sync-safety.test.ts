// The primitives and the channel under the cancellation-safety kit of
// @copse/testing: cancelled before every turn, by a sibling's failure, by
// a timeout at every instant, and shielded, on both start paths. The
// invariants (`check`) say that nothing was lost: the lock, permits and
// tokens all came back, no waiter is left queued, and every value whose
// send returned was received or is still buffered — and no other.
import {
  CapacityLimiter,
  Condition,
  Event,
  Lock,
  Semaphore,
  channel,
  checkpoint,
  sleep,
  type ReceiveEnd,
} from "@copse/core";
import { checkCancellationSafety, type SafetySetup } from "@copse/testing";
import { describe, expect, it } from "vitest";

/** The messages of the invariants that do not hold. */
function broken(...invariants: [holds: boolean, message: string][]): string[] {
  return invariants.filter(([holds]) => !holds).map(([, message]) => message);
}

function drain<T>(receive: ReceiveEnd<T>): T[] {
  const rest: T[] = [];
  for (let r = receive.tryReceive(); r.ok; r = receive.tryReceive()) rest.push(r.value);
  return rest;
}

const SUBJECTS: Record<string, SafetySetup<unknown>> = {
  lock(kit) {
    const lock = new Lock();
    return {
      background: [() => lock.withLock(() => sleep(5))],
      operation: () =>
        lock.withLock(function* () {
          kit.acquired("lock");
          try {
            yield* sleep(2);
          } finally {
            kit.released("lock");
          }
        }),
      check: () =>
        broken(
          [!lock.locked, "the lock is still held"],
          [lock.statistics().tasksWaiting === 0, "a waiter was left in the lock's queue"],
        ),
    };
  },
  semaphore() {
    const semaphore = new Semaphore(1);
    return {
      background: [() => semaphore.withPermit(() => sleep(5))],
      operation: () => semaphore.withPermit(() => sleep(2)),
      check: () =>
        broken(
          [semaphore.value === 1, `a permit is missing: the value is ${semaphore.value}`],
          [semaphore.statistics().tasksWaiting === 0, "a waiter was left in the queue"],
        ),
    };
  },
  capacityLimiter() {
    const limiter = new CapacityLimiter(1);
    return {
      background: [() => limiter.withToken(() => sleep(5))],
      operation: () => limiter.withToken(() => sleep(2)),
      check: () =>
        broken(
          [limiter.borrowed === 0, `${limiter.borrowed} token(s) never came back`],
          [limiter.statistics().tasksWaiting === 0, "a waiter was left in the queue"],
        ),
    };
  },
  event() {
    const event = new Event();
    return {
      background: [
        function* () {
          yield* sleep(5);
          event.set();
        },
      ],
      operation: function* () {
        yield* event.wait();
        yield* sleep(1);
      },
      check: () =>
        broken([event.statistics().tasksWaiting === 0, "a waiter was left in the event's queue"]),
    };
  },
  condition(kit) {
    const cond = new Condition();
    return {
      background: [
        function* notifier() {
          for (;;) {
            yield* sleep(5);
            yield* cond.withLock(function* () {
              cond.notifyAll();
            });
          }
        },
      ],
      operation: () =>
        cond.withLock(function* () {
          kit.acquired("lock");
          try {
            yield* cond.wait();
            yield* sleep(1);
          } finally {
            kit.released("lock");
          }
        }),
      check: () => {
        const stats = cond.statistics();
        return broken(
          [!stats.lock.locked, "the lock is still held"],
          [stats.tasksWaiting + stats.lock.tasksWaiting === 0, "a waiter was left queued"],
        );
      },
    };
  },
};

for (const capacity of [0, 1]) {
  SUBJECTS[`send (capacity ${capacity})`] = () => {
    const [send, receive] = channel<number>(capacity);
    const committed: number[] = [];
    const received: number[] = [];
    return {
      background: [
        function* consumer() {
          for (;;) {
            yield* sleep(3);
            received.push(yield* receive.receive());
          }
        },
      ],
      operation: function* () {
        for (const value of [1, 2, 3]) {
          yield* send.send(value);
          committed.push(value);
        }
      },
      check: () => {
        const delivered = [...received, ...drain(receive)];
        return broken([
          JSON.stringify(delivered) === JSON.stringify(committed),
          `sends that returned: [${committed.join(", ")}], values received or buffered: [${delivered.join(", ")}]`,
        ]);
      },
    };
  };
  SUBJECTS[`receive (capacity ${capacity})`] = () => {
    const [send, receive] = channel<number>(capacity);
    const sent: number[] = [];
    const got: number[] = [];
    return {
      background: [
        function* producer() {
          for (let i = 1; ; i++) {
            yield* sleep(3);
            yield* send.send(i);
            sent.push(i);
          }
        },
      ],
      operation: function* () {
        got.push(yield* receive.receive());
        got.push(yield* receive.receive());
      },
      check: () => {
        const accounted = [...got, ...drain(receive)];
        return broken([
          JSON.stringify(accounted) === JSON.stringify(sent),
          `sends that returned: [${sent.join(", ")}], values received or buffered: [${accounted.join(", ")}]`,
        ]);
      },
    };
  };
}

describe("cancellation safety, checked by the kit on both start paths", () => {
  for (const [name, setup] of Object.entries(SUBJECTS)) {
    it(`${name}: nothing is lost, however and wherever it is cancelled`, async () => {
      const report = await checkCancellationSafety(setup, { name });
      expect(report.ok, report.text).toBe(true);
      expect(report.text).toMatch(
        new RegExp(`^Cancellation safety of ${escape(name)}: all \\d+ scenarios passed`),
      );
    });
  }

  it("the invariants catch a lock that is lost: acquire, then a cancellable step before the try", async () => {
    const report = await checkCancellationSafety(
      function leakyUser() {
        const lock = new Lock();
        return {
          background: [() => lock.withLock(() => sleep(5))],
          operation: function* () {
            yield* lock.acquire();
            yield* checkpoint(); // a Cancelled here skips the release
            try {
              yield* sleep(2);
            } finally {
              lock.release();
            }
          },
          check: () => broken([!lock.locked, "the lock is still held"]),
        };
      },
      { starts: ["eager"], variants: ["cancel"] },
    );
    expect(report.ok).toBe(false);
    expect(report.failures[0]!.violations).toEqual([
      { kind: "invariant", message: "the lock is still held" },
    ]);
  });
});

function escape(text: string): string {
  return text.replace(/[()]/g, "\\$&");
}
