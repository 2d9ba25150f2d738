// Timeouts on the real clock (`performance.now()` and the host's timers),
// in every runtime the suites run in. The other timeout tests use a virtual
// clock; these check that a real deadline fires through the host and that
// what it abandons stays handled. They assert outcomes and order, never how
// long anything took.
import { call, run, sleep } from "@copse/core";
import { describe, expect, it } from "vitest";
import { failAfter, moveOnAfter, TimeoutError } from "../src/index.js";

const hostTimeout = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("timeouts on the real clock", () => {
  it("failAfter abandons a call that ignores its signal; the promise's late rejection is handled", async () => {
    let signal: AbortSignal | undefined;
    let rejectLater!: (error: unknown) => void;
    const task = run(function* () {
      try {
        yield* failAfter(10, () =>
          call((s) => {
            signal = s;
            return new Promise<never>((_resolve, reject) => (rejectLater = reject));
          }),
        );
        return "unreached";
      } catch (error) {
        return error instanceof TimeoutError ? "TimeoutError" : error;
      }
    });
    expect(task.done).toBe(false);
    expect(await task).toBe("TimeoutError");
    expect(signal?.aborted).toBe(true);
    // The abandoned promise rejects after its task moved on, from a host
    // timer: copse handles it (the shared test setup fails the test on an
    // unhandled rejection).
    setTimeout(() => rejectLater(new Error("too late")), 1);
    await hostTimeout(20);
    expect(task.outcome).toEqual({ status: "ok", value: "TimeoutError" });
  });

  it("moveOnAfter keeps a body that finishes in time and cancels one that sleeps past the deadline", async () => {
    const task = run(function* () {
      const fast = yield* moveOnAfter(300, function* () {
        yield* sleep(5);
        return "fast";
      });
      const slow = yield* moveOnAfter(10, function* () {
        yield* sleep(3_600_000);
        return "slow";
      });
      return [fast, slow];
    });
    expect(await task).toEqual(["fast", undefined]);
  });

  it("nested real deadlines: the earlier one fires first and only its scope is cancelled", async () => {
    const log: string[] = [];
    const task = run(function* () {
      yield* moveOnAfter(200, function* (outer) {
        yield* moveOnAfter(10, function* () {
          yield* sleep(3_600_000);
        });
        log.push(`inner expired, outer cancelled: ${outer.cancelCalled}`);
        yield* sleep(3_600_000);
      });
      log.push("outer expired");
    });
    await task;
    expect(log).toEqual(["inner expired, outer cancelled: false", "outer expired"]);
  });
});
