// Operations that are not generator objects: any object whose
// `[Symbol.iterator]()` gives the iterator to step. The driver and the
// nursery bracket recognise generator objects by their prototype and step
// everything else through `[Symbol.iterator]`.
import { all, nursery, sleep, type Operation } from "@copse/core";
import { describe, expect, it } from "vitest";
import { PATHS, runVirtual, start, valueOf } from "./helpers.js";

/** An operation whose iterator is a generator, made when asked. */
function delegating<T>(body: () => Generator<unknown, T, unknown>): Operation<T> {
  return { [Symbol.iterator]: body };
}

/** An operation whose iterator is a hand-written one that finishes at once with `value`. */
function handWritten<T>(value: T): Operation<T> {
  return {
    [Symbol.iterator]: () => ({ next: () => ({ done: true, value }) }),
  };
}

describe("operations that are not generator objects", () => {
  it.each(PATHS)("a task steps their iterators (%s)", (path) => {
    const { task, clock } = runVirtual(function* () {
      return yield* nursery(function* (n) {
        const slow = start(n, path, () =>
          delegating(function* () {
            yield* sleep(5);
            return "slept";
          }),
        );
        const quick = start(n, path, () => handWritten(7));
        return [yield* slow, yield* quick];
      });
    });
    expect(valueOf(task)).toEqual(["slept", 7]);
    expect(clock.now()).toBe(5);
  });

  it("a nursery body may be one", () => {
    const { task, log } = runVirtual(function* (log) {
      const first = yield* nursery((n) =>
        delegating(function* () {
          n.startSoon(function* () {
            yield* sleep(1);
            log.push("child");
          });
          return "body";
        }),
      );
      const second = yield* nursery(() => handWritten(9));
      return [first, second];
    });
    expect(valueOf(task)).toEqual(["body", 9]);
    expect(log).toEqual(["child"]);
  });

  it("all takes them as children, as operations and from functions", () => {
    const { task } = runVirtual(function* () {
      return yield* all<unknown>([
        handWritten(1),
        () => handWritten(2),
        delegating(function* () {
          yield* sleep(1);
          return 3;
        }),
        handWritten(4),
      ]);
    });
    expect(valueOf(task)).toEqual([1, 2, 3, 4]);
  });
});
