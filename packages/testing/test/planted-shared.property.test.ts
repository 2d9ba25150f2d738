// The equivalence property has teeth for the shared objects too: a natural
// bug of a lock and of a channel is planted into a deliberately broken
// primitive (a prototype patched from outside the core, restored in
// `finally`), and the property must find it — through the per-run checks
// of `traceViolations`, since a primitive that is wrong the same way on
// both paths leaves the runs equal — and shrink it to a small program.
import { describe, expect, test } from "vitest";
import { Lock, channel, nursery, run, sleep } from "@copse/core";
import { VirtualClock, checkEquivalence, programSize } from "../src/index.js";
import { findWith, patch, type Restore } from "./planting.js";

/**
 * (i) A lock that serves its waiters last come, first served: a release
 * hands the lock to the task that started waiting most recently.
 */
function plantLifoLock(): Restore {
  const real = Lock.prototype.release;
  return patch(Lock.prototype, "release", function (this: Lock) {
    const waiters = this._state.waiters;
    const all = [];
    for (let w = waiters.shift(); w !== null; w = waiters.shift()) all.push(w);
    for (const w of all.reverse()) waiters.push(w);
    real.call(this);
  });
}

interface Waiter {
  readonly owner: unknown;
  abortWait(): void;
  grant(value: unknown): void;
  wakeUp(): void;
  fail(error: unknown): void;
}

/** The prototype of the waiters a blocked `receive` parks in its channel's queue. */
function receiverPrototype(): Waiter {
  const [send, receive] = channel<string>(0);
  let proto: Waiter | null = null;
  run(
    () =>
      nursery(function* (n) {
        n.startSoon(() => receive.receive());
        yield* sleep(1);
        proto = Object.getPrototypeOf(receive._state.receivers.first) as Waiter;
        send.trySend("x");
      }),
    { clock: new VirtualClock() },
  );
  return proto!;
}

/**
 * (ii) A channel that drops a value on cancel: a receive cancelled while it
 * waits stays in the channel's queue of receivers, and the next value sent
 * is handed to it — and lost, since nobody waits there any more.
 */
function plantLeftBehindReceiver(): Restore {
  const proto = receiverPrototype();
  const ReceiveEnd = channel<string>(0)[1].constructor as abstract new () => object;
  const gone = new WeakSet<object>();
  const real = {
    abortWait: proto.abortWait,
    grant: proto.grant,
    wakeUp: proto.wakeUp,
    fail: proto.fail,
  };
  const restores = [
    patch(proto, "abortWait", function (this: Waiter) {
      if (this.owner instanceof ReceiveEnd) gone.add(this);
      else real.abortWait.call(this);
    }),
    patch(proto, "grant", function (this: Waiter, value: unknown) {
      if (!gone.has(this)) real.grant.call(this, value);
    }),
    patch(proto, "wakeUp", function (this: Waiter) {
      if (!gone.has(this)) real.wakeUp.call(this);
    }),
    patch(proto, "fail", function (this: Waiter, error: unknown) {
      if (!gone.has(this)) real.fail.call(this, error);
    }),
  ];
  return () => restores.reverse().forEach((restore) => restore());
}

interface Plant {
  readonly name: string;
  readonly plant: () => Restore;
  /** Where the finding must be (`<object>.violations`). */
  readonly where: string;
  /** The largest acceptable shrunk counterexample (statements). */
  readonly maxSize: number;
}

const plants: readonly Plant[] = [
  {
    name: "(i) a lock that serves LIFO",
    plant: plantLifoLock,
    where: "lk1.violations",
    maxSize: 11,
  },
  {
    name: "(ii) a channel that loses the value handed to a cancelled receiver",
    plant: plantLeftBehindReceiver,
    where: "ch1.violations",
    maxSize: 7,
  },
];

describe("the equivalence property finds each planted bug of a shared object and shrinks it", () => {
  for (const { name, plant, where, maxSize } of plants) {
    test(name, () => {
      const { details, findings } = findWith(name, plant);
      expect(details.failed).toBe(true);
      const counterexample = details.counterexample![0];
      expect(programSize(counterexample)).toBeLessThanOrEqual(maxSize);
      expect(findings.map((f) => f.where)).toContain(where);
      // With the real primitive back, the same program keeps every promise on every path.
      expect(checkEquivalence(counterexample).findings).toEqual([]);
    });
  }
});
