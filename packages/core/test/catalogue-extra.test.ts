// Cases of docs/cases.md that no upstream test states (C09, C19, C22,
// T07, X16, X19): scenarios derived from the issues they cite and from copse's
// rules, tested on both start paths where a task is started.
import { CancelScope, checkpoint, nursery, race, sleep, suspend } from "@copse/core";
import { TimeoutError, failAfter } from "@copse/timeout";
import { waitAllTasksBlocked } from "@copse/testing";
import { describe, expect, it } from "vitest";
import { PATHS, runVirtual, start, valueOf, noteCancelled } from "./helpers.js";

describe("derived cases", () => {
  it("C09 changing shield in a finally while Cancelled propagates does not let an uncancelled scope catch it (trio#1175)", () => {
    const outer = new CancelScope();
    const inner = new CancelScope();
    const { task } = runVirtual(function* () {
      yield* outer.run(() =>
        inner.run(function* () {
          outer.cancel();
          try {
            yield* checkpoint();
          } finally {
            inner.shield = true;
          }
        }),
      );
      return "after";
    });
    expect(valueOf(task)).toBe("after");
    expect(inner.cancelledCaught).toBe(false);
    expect(outer.cancelledCaught).toBe(true);
  });

  it("C19 a shield nested in two cancelled scopes protects only inside it (anyio#370)", () => {
    const [a, b, c] = [new CancelScope(), new CancelScope(), new CancelScope({ shield: true })];
    const { task, log } = runVirtual(function* (log) {
      yield* a.run(() =>
        b.run(function* () {
          a.cancel();
          b.cancel();
          yield* c.run(function* () {
            yield* checkpoint();
            log.push("inside the shield: not cancelled");
          });
          yield* noteCancelled(log, "after the shield: cancelled", checkpoint());
        }),
      );
    });
    valueOf(task);
    expect(log).toEqual(["inside the shield: not cancelled", "after the shield: cancelled"]);
    expect([a.cancelledCaught, b.cancelledCaught, c.cancelCalled]).toEqual([true, false, false]);
  });

  it.each(PATHS)(
    "C22 cancelling the nursery reaches a child while the host is shielded (anyio#642) (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        yield* nursery(function* (n) {
          start(n, path, function* () {
            try {
              yield* suspend();
            } catch (e) {
              log.push("child cancelled");
              throw e;
            }
          });
          yield* new CancelScope({ shield: true }).run(function* () {
            n.cancel();
            yield* waitAllTasksBlocked();
            log.push("host still running in its shield");
          });
        });
      });
      valueOf(task);
      expect(log).toEqual(["child cancelled", "host still running in its shield"]);
    },
  );

  it.each(PATHS)(
    "T07 a cancelled nursery inside a fired timeout does not swallow the timeout (cpython#155433) (%s)",
    (path) => {
      const { task, log, clock } = runVirtual(function* (log, clock) {
        try {
          yield* failAfter(1, () =>
            nursery(function* (n) {
              start(n, path, suspend);
              try {
                yield* sleep(10);
              } finally {
                n.cancel(); // the nursery's own scope is cancelled too
              }
            }),
          );
        } catch (e) {
          log.push([e instanceof TimeoutError, clock.now()]);
        }
      });
      valueOf(task);
      expect(log).toEqual([[true, 1]]);
      expect(clock.now()).toBe(1);
    },
  );

  it.each(PATHS)(
    "X16 a chain of tasks, each starting and awaiting the next, 5 000 deep (%s)",
    async (path) => {
      function* link(depth: number): Generator<unknown, number> {
        if (depth === 0) return 0;
        const below = yield* nursery(function* (n) {
          return yield* start(n, path, () => link(depth - 1));
        });
        return below! + 1;
      }
      const { task } = runVirtual(() => link(5_000));
      expect(await task).toBe(5_000);
    },
  );

  it.each(PATHS)(
    "X19 a staggered race: later attempts start after a delay; the first success wins (%s)",
    (path) => {
      // asyncio's staggered_race (cpython#124309) on copse primitives.
      const { task, log, clock } = runVirtual(function* (log, clock) {
        const attempt = (i: number, latency: number) =>
          function* () {
            yield* sleep(i * 10); // stagger
            log.push(["start", i, clock.now()]);
            try {
              yield* sleep(latency);
              return i;
            } catch (e) {
              log.push(["cancelled", i, clock.now()]);
              throw e;
            }
          };
        const latency = [100, 5, 1];
        return yield* race(
          latency.map(
            (ms, i) => () =>
              nursery(function* (n) {
                return yield* start(n, path, attempt(i, ms));
              }),
          ),
        );
      });
      expect(valueOf(task)).toBe(1);
      // Attempt 2 was still in its stagger delay when attempt 1 won.
      expect(log).toEqual([
        ["start", 0, 0],
        ["start", 1, 10],
        ["cancelled", 0, 15],
      ]);
      expect(clock.now()).toBe(15);
    },
  );
});
