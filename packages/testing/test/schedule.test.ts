// Schedule exploration: running under a schedule, tokens, exploring,
// shrinking, replaying, and the operation property adapter.
import { CancelScope, action, checkpoint, nursery, sleep } from "@copse/core";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  FIFO,
  ScheduleError,
  assertSchedules,
  decodeSchedule,
  encodeSchedule,
  exploreSchedules,
  makeSchedule,
  operationProperty,
  replaySchedule,
  runScheduled,
  scheduleArbitrary,
  type ScheduleContext,
} from "../src/index.js";

/** Two tasks that each read, checkpoint, write: an update is lost unless the reads are ordered. */
function* lostUpdate({ note }: ScheduleContext) {
  let counter = 0;
  function* increment(who: string) {
    const seen = counter;
    note(`${who} read ${seen}`);
    yield* checkpoint();
    counter = seen + 1;
    note(`${who} wrote ${counter}`);
  }
  yield* nursery(function* (n) {
    n.startSoon(() => increment("a"), { name: "a" });
    n.startSoon(
      function* () {
        yield* checkpoint();
        yield* increment("b");
      },
      { name: "b" },
    );
  });
  if (counter !== 2) throw new Error(`lost an update: counter is ${counter}`);
  return counter;
}

/** Two sleepers due at the same instant; the result is the order they woke in. */
function* twoTimers() {
  const order: string[] = [];
  yield* nursery(function* (n) {
    n.startSoon(function* () {
      yield* sleep(10);
      order.push("x");
    });
    n.startSoon(function* () {
      yield* sleep(10);
      order.push("y");
    });
  });
  return order.join("");
}

describe("runScheduled", () => {
  test("FIFO, then one deviation: which ready task runs next", async () => {
    const fifo = await runScheduled(lostUpdate, FIFO, { names: true });
    expect(fifo.failed).toBe(false);
    expect(fifo.outcome).toEqual({ status: "ok", value: 2 });
    expect(fifo.token).toBe("copse-schedule:1:fifo");
    expect(fifo.choices.map((c) => [c.kind, c.at, c.turn, c.count, c.picked, c.names])).toEqual([
      ["ready", 0, 1, 2, 0, ["a", "b"]],
      ["ready", 1, 2, 2, 0, ["b", "a"]],
      ["ready", 2, 3, 2, 0, ["a", "b"]],
    ]);
    const swapped = await runScheduled(
      lostUpdate,
      makeSchedule([{ kind: "ready", at: 2, pick: 1 }]),
    );
    expect(swapped.failed).toBe(true);
    expect(swapped.failure).toBe("the program threw Error: lost an update: counter is 1");
    expect(swapped.notes.map((n) => n.text)).toEqual([
      "a read 0",
      "b read 0",
      "a wrote 1",
      "b wrote 1",
    ]);
  });

  test("timer choices: timers due at the same instant fire in the order chosen", async () => {
    const fifo = await runScheduled(twoTimers);
    expect(fifo.outcome).toEqual({ status: "ok", value: "xy" });
    expect(fifo.choices.filter((c) => c.kind === "timer")).toHaveLength(1);
    const swapped = await runScheduled(twoTimers, decodeSchedule("copse-schedule:1:t0=1"));
    expect(swapped.outcome).toEqual({ status: "ok", value: "yx" });
    expect(swapped.time).toBe(10);
  });

  test("a deadline and a sleep due at the same instant, in either order (core workaround: no double wake)", async () => {
    for (const pick of [0, 1]) {
      const result = await runScheduled(
        function* () {
          const log: string[] = [];
          yield* new CancelScope({ deadline: 7 }).run(function* () {
            yield* sleep(3);
            try {
              yield* sleep(4);
            } catch (error) {
              log.push("cancelled");
              throw error;
            }
          });
          log.push("after");
          return log;
        },
        makeSchedule([{ kind: "timer", at: 0, pick }]),
      );
      // Either the deadline wakes the sleeper with Cancelled, or the sleeper wakes
      // first and gets Cancelled on resumption: level-triggered, the same outcome.
      expect(result.outcome).toEqual({ status: "ok", value: ["cancelled", "after"] });
      expect(result.schedule.deviations).toHaveLength(pick);
    }
  });

  test("a deadlock is reported, not waited for", async () => {
    const result = await runScheduled(function* () {
      yield* action<void>(() => {});
    });
    expect(result.failed).toBe(true);
    expect(result.stuck).toBe("deadlock");
    expect(result.failure).toBe(
      "the program never finished: every task is blocked and no timer is set (deadlock at t=0 ms)",
    );
  });

  test("check adds a condition on the value", async () => {
    const result = await runScheduled(twoTimers, FIFO, { check: (v) => v === "yx" || `got ${v}` });
    expect(result.failure).toBe("got xy");
  });
});

describe("replay tokens", () => {
  test("encode and decode round-trip", () => {
    const schedule = makeSchedule([
      { kind: "ready", at: 3, pick: 1 },
      { kind: "timer", at: 0, pick: 2 },
    ]);
    const token = encodeSchedule(schedule);
    expect(token).toBe("copse-schedule:1:r3=1,t0=2");
    expect(decodeSchedule(token).deviations).toEqual(schedule.deviations);
    expect(fc.stringify(schedule)).toBe(JSON.stringify(token));
    expect(decodeSchedule("copse-schedule:1:fifo").deviations).toEqual([]);
  });

  test("a bad token says what is wrong", () => {
    expect(() => decodeSchedule("r3=1")).toThrow(
      'not a copse schedule token: expected text starting with "copse-schedule:1:", got "r3=1"',
    );
    expect(() => decodeSchedule("copse-schedule:1:r3")).toThrow(
      'bad deviation "r3" in schedule token "copse-schedule:1:r3": expected r<at>=<pick> or t<at>=<pick>',
    );
  });
});

describe("exploreSchedules", () => {
  test("finds the lost update FIFO never shows, shrunk to one deviation; the token replays it", async () => {
    const result = await exploreSchedules(lostUpdate);
    expect(result.fifo.failed).toBe(false);
    expect(result.ok).toBe(false);
    const failure = result.failure!;
    expect(failure.schedule.deviations).toHaveLength(1);
    expect(result.report).toContain("1 deviation from FIFO");
    expect(result.report).toContain(
      `Replay: replaySchedule(${JSON.stringify(failure.token)}, program)`,
    );
    expect(result.report).toMatch(
      /deviation 1: ready choice #\d \(turn \d, t=0 ms, ready: \[.*\]\): ran \w+ instead of \w+/,
    );
    const replay = await replaySchedule(failure.token, lostUpdate);
    expect(replay.failure).toBe("the program threw Error: lost an update: counter is 1");
    expect(replay.token).toBe(failure.token);
  });

  test("passes a program whose every schedule is fine", async () => {
    const result = await exploreSchedules(twoTimers, { check: (v) => v.length === 2 });
    expect(result.ok).toBe(true);
    expect(result.failure).toBeUndefined();
    expect(result.choicePoints).toEqual({ ready: 2, timer: 1 });
    expect(result.report).toMatch(/^Schedule exploration passed: FIFO and \d+ other schedule\(s\)/);
  });

  test("explores the order of timers due at once too", async () => {
    const result = await exploreSchedules(twoTimers, {
      check: (v) => v === "xy" || `woke in order ${v}`,
    });
    expect(result.ok).toBe(false);
    // swapping the timers, or the tasks that set them: either is one deviation
    expect(result.failure!.token).toMatch(/^copse-schedule:1:[rt]0=1$/);
    expect(result.failure!.failure).toBe("woke in order yx");
    const timerOnly = await replaySchedule("copse-schedule:1:t0=1", twoTimers);
    expect(timerOnly.outcome).toEqual({ status: "ok", value: "yx" });
  });

  test("a program that fails under FIFO needs no deviation", async () => {
    const result = await exploreSchedules(function* () {
      yield* sleep(1);
      throw new Error("always");
    });
    expect(result.ok).toBe(false);
    expect(result.failure).toBe(result.fifo);
    expect(result.failure!.token).toBe("copse-schedule:1:fifo");
    expect(result.report).toContain("fails under FIFO already");
  });

  test("assertSchedules throws the report", async () => {
    const error = await assertSchedules(lostUpdate, { runs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScheduleError);
    expect((error as ScheduleError).message).toContain(
      "Schedule exploration found a failing schedule",
    );
    await expect(assertSchedules(twoTimers)).resolves.toBeUndefined();
  });
});

describe("operationProperty", () => {
  test("an operation per input, on a fresh clock", async () => {
    await fc.assert(
      operationProperty(
        [fc.nat({ max: 1_000 }), fc.nat({ max: 1_000 })],
        function* ({ clock }, a, b) {
          yield* sleep(a);
          yield* sleep(b);
          return clock.now() === a + b;
        },
      ),
    );
    expect(true).toBe(true);
  });

  test("a failing property shrinks the input and says why", async () => {
    const details = await fc.check(
      operationProperty([fc.nat({ max: 100 })], function* (_ctx, ms) {
        yield* sleep(ms);
        return ms < 10;
      }),
    );
    expect(details.failed).toBe(true);
    expect(details.counterexample?.[0]).toEqual([10]);
    expect(String(details.errorInstance)).toContain("the operation returned false");
  });

  test("with schedules, fast-check finds the interleaving and prints it as a token", async () => {
    const details = await fc.check(
      operationProperty([fc.constant(null)], (ctx) => lostUpdate(ctx), {
        schedules: { maxAt: 4, timers: false },
      }),
    );
    expect(details.failed).toBe(true);
    expect(fc.stringify(details.counterexample![1])).toMatch(/^"copse-schedule:1:r\d=\d"$/);
  });

  test("scheduleArbitrary shrinks towards FIFO", () => {
    const [shrunk] = fc.sample(scheduleArbitrary({ maxDeviations: 0 }), 1);
    expect(shrunk!.deviations).toEqual([]);
  });
});

describe("runaway programs", () => {
  test("a livelock is abandoned after maxTurns", async () => {
    const result = await runScheduled(
      function* () {
        for (;;) yield* checkpoint();
      },
      FIFO,
      { maxTurns: 1_000 },
    );
    expect(result.stuck).toBe("abandoned");
    expect(result.failure).toBe(
      "the program was still running after 1000 turns (at t=0 ms); the run was abandoned",
    );
  });
});
