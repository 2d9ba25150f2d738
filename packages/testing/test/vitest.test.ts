// The vitest helpers: operations as tests, properties over operations, and
// the NurseryError matcher.
import { CancelScope, NurseryError, action, nursery, run, sleep } from "@copse/core";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  copseMatchers,
  copseProperty,
  copseTest,
  nurseryErrorMismatch,
  runOperation,
} from "../src/vitest/index.js";

expect.extend(copseMatchers);

class ValueError extends Error {
  override name = "ValueError";
}

/** A nursery whose children all fail in their first (eager) step. */
function* failing(...errors: Error[]) {
  yield* nursery(function* (n) {
    for (const error of errors) {
      n.startTask(function* () {
        throw error;
      });
    }
    yield* sleep(1);
  });
}

describe("copseTest and runOperation", () => {
  copseTest("a body runs on a fresh virtual clock", function* ({ clock }) {
    expect(clock.now()).toBe(0);
    yield* sleep(60_000);
    expect(clock.now()).toBe(60_000);
  });

  copseTest(
    "the clock can start elsewhere",
    function* ({ clock }) {
      yield* sleep(5);
      expect(clock.now()).toBe(1_005);
    },
    { clockStart: 1_000 },
  );

  test(
    "runOperation works with any test()",
    runOperation(function* ({ clock }) {
      yield* new CancelScope({ deadline: 50 }).run(() => sleep(1_000));
      expect(clock.now()).toBe(50);
    }),
  );

  test("a failing body fails with its own error", async () => {
    const error = new ValueError("bad value");
    await expect(runOperation(() => failing(error))()).rejects.toBeNurseryError([error]);
  });

  test("a deadlock fails at once with a clear message", async () => {
    await expect(runOperation(() => action<void>(() => {}))()).rejects.toThrow(
      "the program never finished: every task is blocked and no timer is set (deadlock at t=0 ms) (virtual time 0 ms)",
    );
  });

  test("a replay token runs the body under that schedule", async () => {
    const order: string[] = [];
    const body = function* () {
      yield* nursery(function* (n) {
        n.startSoon(function* () {
          order.push("a");
        });
        n.startSoon(function* () {
          order.push("b");
        });
      });
    };
    await runOperation(body, { schedule: "copse-schedule:1:r0=1" })();
    expect(order).toEqual(["b", "a"]);
  });
});

describe("copseProperty", () => {
  copseProperty(
    "sleeps add up in virtual time",
    [fc.nat(100), fc.nat(100)],
    function* ({ clock }, a, b) {
      yield* sleep(a);
      yield* sleep(b);
      return clock.now() === a + b;
    },
  );

  copseProperty(
    "a nursery ends when its slowest child does (explicit fast-check parameters)",
    [fc.array(fc.nat(50), { minLength: 1, maxLength: 5 })],
    function* ({ clock }, delays) {
      yield* nursery(function* (group) {
        for (const ms of delays) group.startTask(() => sleep(ms));
      });
      return clock.now() === Math.max(...delays);
    },
    { parameters: { numRuns: 20 } },
  );
});

describe("toBeNurseryError", () => {
  const value = new ValueError("bad value");
  const disk = new Error("disk full");
  const group = new NurseryError([value, disk]);

  test("classes, messages, objects, in any order", () => {
    expect(group).toBeNurseryError([ValueError, /disk/]);
    expect(group).toBeNurseryError([/disk/, ValueError]);
    expect(group).toBeNurseryError([disk, value]);
    expect(group).toBeNurseryError(["disk full", { type: ValueError, message: /bad/ }]);
    expect(group).toBeNurseryError([expect.objectContaining({ message: "disk full" }), Error]);
    expect(group).not.toBeNurseryError([ValueError]);
    expect(group).not.toBeNurseryError([ValueError, TypeError]);
  });

  test("ordered, nested groups, and rejected promises", async () => {
    expect(group).toBeNurseryError([ValueError, Error], { ordered: true });
    expect(group).not.toBeNurseryError([Error, ValueError], { ordered: true });
    expect(new NurseryError([group, disk])).toBeNurseryError([/disk/, [ValueError, /disk/]]);
    await expect(run(() => failing(value, disk))).rejects.toBeNurseryError([value, disk]);
  });

  test("patterns are paired one to one", () => {
    // both members are Errors, but only one is a ValueError
    expect(new NurseryError([disk, disk])).not.toBeNurseryError([ValueError, Error]);
    expect(nurseryErrorMismatch(new NurseryError([value, value]), [ValueError, /disk/])).toBe(
      "no member matches message /disk/; members: [ValueError: bad value, ValueError: bad value]",
    );
  });

  test("failure messages say what differs", () => {
    expect(() => expect(group).toBeNurseryError([ValueError])).toThrow(
      "expected NurseryError[ValueError: bad value, Error: disk full] to be NurseryError[ValueError] (any order): expected 1 member, got 2: [ValueError: bad value, Error: disk full]",
    );
    expect(() => expect(new TypeError("nope")).toBeNurseryError([TypeError])).toThrow(
      "expected TypeError: nope to be NurseryError[TypeError] (any order): expected a NurseryError, got TypeError: nope",
    );
    expect(() => expect(group).toBeNurseryError([Error, ValueError], { ordered: true })).toThrow(
      "member 1 is Error: disk full, expected ValueError",
    );
    expect(() => expect(group).not.toBeNurseryError([ValueError, Error])).toThrow(
      "expected NurseryError[ValueError: bad value, Error: disk full] not to be NurseryError[ValueError, Error] (any order)",
    );
  });
});
