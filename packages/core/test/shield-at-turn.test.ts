// C20: a wait that yields in a cancelled scope, and finds the cancellation
// hidden by a shield at its turn, really waits (it is entered again).
import {
  action,
  call,
  CancelScope,
  nursery,
  sleep,
  until,
  type Nursery,
  type Operation,
} from "@copse/core";
import { describe, expect, it } from "vitest";
import { PATHS, runVirtual, start, valueOf } from "./helpers.js";

/** Runs `wait` in a scope whose parent is cancelled just before, with the shield raised before its turn. */
function shieldedAtTurn<T>(
  path: (typeof PATHS)[number],
  wait: (log: unknown[], n: Nursery) => Operation<T>,
) {
  return runVirtual(function* (log, clock) {
    const outer = new CancelScope();
    const inner = new CancelScope();
    yield* nursery(function* (n) {
      start(n, path, function* () {
        yield* outer.run(function* () {
          yield* inner.run(function* () {
            n.startSoon(function* () {
              inner.shield = true;
            });
            outer.cancel();
            const value = yield* wait(log, n);
            log.push({ value, at: clock.now() });
          });
        });
      });
    });
    return log;
  });
}

describe.each(PATHS)("C20 a shield raised before a cancelled wait's turn (%s)", (path) => {
  it("call(fn): fn is called at the turn and its value returned", () => {
    const { task } = shieldedAtTurn(path, (log) =>
      call(() => {
        log.push("fn called");
        return 42;
      }),
    );
    expect(valueOf(task)).toEqual(["fn called", { value: 42, at: 0 }]);
  });

  it("sleep(5): sleeps 5 ms from its turn", () => {
    const { task } = shieldedAtTurn(path, () => sleep(5));
    expect(valueOf(task)).toEqual([{ value: undefined, at: 5 }]);
  });

  it("until(promise): returns the promise's value", async () => {
    const { task } = shieldedAtTurn(path, () => until(Promise.resolve("resolved")));
    await expect(task).resolves.toEqual([{ value: "resolved", at: 0 }]);
  });

  it("an action runs its setup once and returns what it resolves", () => {
    const { task } = shieldedAtTurn(path, (log) =>
      action<string>((resolve) => {
        log.push("setup");
        resolve("done");
      }),
    );
    expect(valueOf(task)).toEqual(["setup", { value: "done", at: 0 }]);
  });

  it("an action that settles later is torn down, set up again at the turn, and waited for", () => {
    const { task } = shieldedAtTurn(path, (log) =>
      action<string>((resolve) => {
        log.push("setup");
        const timer = setTimeout(() => resolve("later"), 0);
        return () => {
          clearTimeout(timer);
          log.push("teardown");
        };
      }),
    );
    return expect(task).resolves.toEqual([
      "setup",
      "teardown",
      "setup",
      "teardown",
      { value: "later", at: 0 },
    ]);
  });

  it("a join waits for the joined task's value", () => {
    const { task } = shieldedAtTurn(path, (_log, n) =>
      n.startSoon(function* () {
        yield* sleep(3);
        return "joined";
      }),
    );
    expect(valueOf(task)).toEqual([{ value: "joined", at: 3 }]);
  });

  it("without the shield the same waits raise Cancelled at the turn (absorbed by outer)", () => {
    const { task } = runVirtual(function* (log) {
      const outer = new CancelScope();
      yield* nursery(function* (n) {
        start(n, path, function* () {
          yield* outer.run(function* () {
            outer.cancel();
            yield* call(() => log.push("fn called"));
            log.push("not reached");
          });
          log.push({ cancelledCaught: outer.cancelledCaught });
        });
      });
      return log;
    });
    expect(valueOf(task)).toEqual([{ cancelledCaught: true }]);
  });
});
