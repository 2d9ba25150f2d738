/**
 * A chain of N nested tasks: every level starts the next level as a child
 * and waits for it; the innermost level suspends once (each library's
 * cheapest yield), so the whole chain is alive at once before it unwinds.
 * `onLeaf` runs at the bottom, before the suspension (the worker measures
 * the heap there).
 */
import { all, nursery, run, sleep, type Operation } from "@copse/core";
import { Effect, Fiber } from "effect";
import * as effection from "effection";

export type Chain = (n: number, onLeaf: () => void) => Promise<number>;

function copse(next: (level: (k: number) => Operation<number>, k: number) => Operation<number>) {
  return (n: number, onLeaf: () => void): Promise<number> => {
    function* level(k: number): Operation<number> {
      if (k === 0) {
        onLeaf();
        yield* sleep(0);
        return 0;
      }
      return (yield* next(level, k - 1)) + 1;
    }
    return Promise.resolve(run(() => level(n)));
  };
}

export const CHAINS: Record<string, { label: string; chain: Chain }> = {
  "copse-start-soon": {
    label: "copse nursery + `startSoon` + join",
    chain: copse(function* (level, k) {
      return (yield* nursery(function* (n) {
        return yield* n.startSoon(() => level(k));
      }))!;
    }),
  },
  "copse-start-task": {
    label: "copse nursery + `startTask` + join",
    chain: copse(function* (level, k) {
      return (yield* nursery(function* (n) {
        return yield* n.startTask(() => level(k));
      }))!;
    }),
  },
  "copse-all": {
    label: "copse `all([next])`",
    chain: copse(function* (level, k) {
      const [value] = yield* all([() => level(k)]);
      return value!;
    }),
  },
  "effection-spawn": {
    label: "Effection 4 `spawn` + join",
    chain: (n, onLeaf) => {
      function* level(k: number): effection.Operation<number> {
        if (k === 0) {
          onLeaf();
          yield* effection.sleep(0);
          return 0;
        }
        const task = yield* effection.spawn(() => level(k - 1));
        return (yield* task) + 1;
      }
      return Promise.resolve(effection.run(() => level(n)));
    },
  },
  "effect-fork": {
    label: "Effect 4 `forkChild` + `Fiber.join`",
    chain: (n, onLeaf) => {
      const level = (k: number): Effect.Effect<number> =>
        Effect.gen(function* () {
          if (k === 0) {
            onLeaf();
            yield* Effect.yieldNow;
            return 0;
          }
          const fiber = yield* Effect.forkChild(level(k - 1));
          return (yield* Fiber.join(fiber)) + 1;
        });
      return Effect.runPromise(level(n));
    },
  },
  "async-await": {
    label: "baseline: async functions awaiting each other",
    chain: (n, onLeaf) => {
      const level = async (k: number): Promise<number> => {
        if (k === 0) {
          onLeaf();
          await null;
          return 0;
        }
        return (await level(k - 1)) + 1;
      };
      return level(n);
    },
  },
};
