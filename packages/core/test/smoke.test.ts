import { describe, expect, it } from "vitest";
import { VirtualClock } from "@copse/testing";
import {
  all,
  nursery,
  run,
  sleep,
  checkpoint,
  currentTask,
  Cancelled,
  NurseryError,
  CancelScope,
} from "@copse/core";

describe("smoke", () => {
  it("runs a trivial op synchronously", () => {
    const t = run(function* () {
      return 1;
    });
    expect(t.done).toBe(true);
    expect(t.outcome).toEqual({ status: "ok", value: 1 });
  });

  it("sleeps on a virtual clock", async () => {
    const clock = new VirtualClock();
    const log: unknown[] = [];
    const t = run(
      function* () {
        yield* nursery(function* (n) {
          n.startSoon(function* () {
            yield* sleep(2);
            log.push(["a", clock.now()]);
          });
          n.startTask(function* () {
            yield* sleep(1);
            log.push(["b", clock.now()]);
          });
          log.push("body");
        });
        return "x";
      },
      { clock },
    );
    expect(await t).toBe("x");
    expect(log).toEqual(["body", ["b", 1], ["a", 2]]);
  });

  it("fails like a nursery", async () => {
    const clock = new VirtualClock();
    const log: unknown[] = [];
    const t = run(
      function* () {
        yield* nursery(function* (n) {
          n.startSoon(function* () {
            try {
              yield* sleep(100);
            } catch (e) {
              log.push(["sib", e instanceof Cancelled, clock.now()]);
              throw e;
            }
          });
          n.startSoon(function* () {
            yield* sleep(1);
            throw new Error("argh");
          });
          try {
            yield* sleep(10);
          } catch (e) {
            log.push(["body", e instanceof Cancelled, clock.now()]);
            throw e;
          }
        });
      },
      { clock },
    );
    await expect(t).rejects.toBeInstanceOf(NurseryError);
    expect(log).toEqual([
      ["sib", true, 1],
      ["body", true, 1],
    ]);
  });

  it("all over eager children completes synchronously", () => {
    const t = run(function* () {
      const me = currentTask();
      return yield* all([
        function* () {
          return currentTask() !== me;
        },
        function* () {
          return 2;
        },
      ]);
    });
    expect(t.outcome).toEqual({ status: "ok", value: [true, 2] });
  });

  it("cancel scope absorbs", () => {
    const clock = new VirtualClock();
    const s = new CancelScope();
    const t = run(
      function* () {
        const r = yield* s.run(function* () {
          s.cancel();
          yield* checkpoint();
          return 1;
        });
        return [r, s.cancelCalled, s.cancelledCaught];
      },
      { clock },
    );
    expect(t.outcome).toEqual({ status: "ok", value: [undefined, true, true] });
  });
});
