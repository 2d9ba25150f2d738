// The runtime on the real clock (`performance.now()` and the host's
// timers), in every runtime the suites run in: fairness towards the host's
// event loop, and real timers. These tests assert what happens and in which
// order, never how long it took.
import { CancelScope, checkpoint, nursery, run, sleep, suspend, type Operation } from "@copse/core";
import { currentTime, runtimeStats } from "@copse/core/internal";
import { VirtualClock } from "@copse/testing";
import { describe, expect, it } from "vitest";

type Schedule = (fn: () => void) => void;

/**
 * The host callbacks that a busy task must not starve: a timer, a message
 * (how browsers deliver I/O-like events) and, where the host has it,
 * `setImmediate` (Node's check phase, right after I/O polling).
 */
function hostCallbacks(): Map<string, Schedule> {
  const callbacks = new Map<string, Schedule>([
    ["timer", (fn) => void setTimeout(fn, 1)],
    [
      "message",
      (fn) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          channel.port1.close();
          fn();
        };
        channel.port2.postMessage(null);
      },
    ],
  ]);
  const host = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof host.setImmediate === "function") {
    const setImmediate = host.setImmediate;
    callbacks.set("immediate", (fn) => void setImmediate(fn));
  }
  return callbacks;
}

const hostTimeout = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("fairness", () => {
  it("a task that loops on checkpoint() does not starve the host's timers, messages or immediates", async () => {
    const callbacks = hostCallbacks();
    const fired = new Set<string>();
    const limit = 20_000_000;
    const task = run(function* () {
      for (const [name, schedule] of callbacks) schedule(() => fired.add(name));
      let i = 0;
      // Without a budget this loop would run all `limit` iterations before
      // the event loop got control back.
      while (fired.size < callbacks.size && i < limit) {
        yield* checkpoint();
        i++;
      }
      return i;
    });
    expect(task.done).toBe(false);
    const iterations = await task;
    expect([...fired].sort()).toEqual([...callbacks.keys()].sort());
    expect(iterations).toBeLessThan(limit);
    expect(runtimeStats(task).yields).toBeGreaterThan(0);
  });
});

describe("real timers", () => {
  it("sleeps on the real clock wake in deadline order", async () => {
    const woke: number[] = [];
    const task = run(function* () {
      yield* nursery(function* (n) {
        for (const ms of [30, 10, 0, 20]) {
          n.startSoon(function* () {
            yield* sleep(ms);
            woke.push(ms);
          });
        }
      });
      return woke;
    });
    expect(task.done).toBe(false);
    expect(await task).toEqual([0, 10, 20, 30]);
  });

  it("a sleep waits on the host's timers: it wakes between a shorter and a longer host timeout", async () => {
    const log: string[] = [];
    setTimeout(() => log.push("host 5 ms"), 5);
    const longer = hostTimeout(400).then(() => log.push("host 400 ms"));
    const task = run(function* () {
      yield* sleep(50);
      log.push("copse 50 ms");
    });
    await task;
    await longer;
    expect(log).toEqual(["host 5 ms", "copse 50 ms", "host 400 ms"]);
    expect(runtimeStats(task).heapTimers).toBe(1);
  });

  it("a sleep never wakes before its deadline on the runtime's clock, even where a host timer fires early", async () => {
    // Hosts round timer delays to whole milliseconds, so a host timer may
    // fire a fraction early; the runtime then asks for another.
    const task = run(function* () {
      const wakes: [number, number][] = [];
      for (const ms of [1, 7, 25]) {
        const deadline = currentTime() + ms;
        yield* sleep(ms);
        wakes.push([deadline, currentTime()]);
      }
      return wakes;
    });
    for (const [deadline, woke] of await task) expect(woke).toBeGreaterThanOrEqual(deadline);
  });

  it("a real deadline cancels a task blocked forever, and the run ends", async () => {
    const task = run(function* () {
      const scope = new CancelScope({ relativeDeadline: 20 });
      yield* scope.run(function* () {
        yield* suspend();
      });
      return scope.cancelledCaught;
    });
    expect(task.done).toBe(false);
    expect(await task).toBe(true);
  });

  it("cancelling a long sleep drops its timer, so the run ends", async () => {
    const task = run(function* () {
      yield* nursery(function* (n) {
        const sleeper = n.startSoon(function* () {
          yield* sleep(3_600_000);
        });
        n.startSoon(function* () {
          yield* sleep(1);
          sleeper.cancel();
        });
      });
      return "done";
    });
    expect(await task).toBe("done");
  });
});

describe("virtual time", () => {
  function* busyChild(): Operation<void> {
    // Half a millisecond of real work per step: 40 steps are 20 ms, far over
    // the 4 ms wall budget of a drain.
    const end = performance.now() + 0.5;
    while (performance.now() < end);
    yield* sleep(1);
  }

  it("under a virtual clock the fairness budget counts steps, not wall time, so a run ends inside run() whatever the load", () => {
    const virtual = run(
      function* () {
        yield* nursery(function* (n) {
          for (let i = 0; i < 20; i++) n.startSoon(busyChild);
        });
        return "done";
      },
      { clock: new VirtualClock() },
    );
    expect(virtual.outcome).toEqual({ status: "ok", value: "done" });
    expect(runtimeStats(virtual).yields).toBe(0);
  });

  it("on the real clock the same work hands control back to the event loop", async () => {
    const real = run(function* () {
      yield* nursery(function* (n) {
        for (let i = 0; i < 20; i++) n.startSoon(busyChild);
      });
    });
    await real;
    expect(runtimeStats(real).yields).toBeGreaterThan(0);
  });
});
