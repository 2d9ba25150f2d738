// The exits of map-concurrent-exits.test.ts again, in every mode: input
// order (`ordered`), settled records (`settle`) and both, for sync and
// async sources, on the virtual clock. In input order a finished result
// holds its slot until the ones before it are consumed, so what is in
// flight, consumed and pulled at an exit differs from completion order;
// each case states both. Also: an eager mapping failing while a slow one
// is in flight, the reorder window of an async source, and the stack depth
// over 10 million eager items.
import {
  CancelScope,
  NurseryError,
  mapConcurrent,
  nursery,
  run,
  sleep,
  type Operation,
  type Settled,
} from "@copse/core";
import { VirtualClock } from "@copse/testing";
import { TimeoutError, failAfter, moveOnAfter } from "@copse/timeout";
import { describe, expect, it } from "vitest";
import { KINDS, outcomeOf, sleeper, trackedSource } from "./map-sources.js";

interface Mode {
  name: string;
  ordered: boolean;
  settle: boolean;
}
const MODES: readonly Mode[] = [
  { name: "completion order", ordered: false, settle: false },
  { name: "ordered", ordered: true, settle: false },
  { name: "settle", ordered: false, settle: true },
  { name: "ordered, settle", ordered: true, settle: true },
];

/** The item a result stands for: the value, or a settled record's item. */
function itemOf(mode: Mode, result: unknown): number {
  return mode.settle ? ((result as Settled<number, number>).item as number) : (result as number);
}

/** `mapConcurrent` in `mode`, its results as plain values for the consumer. */
function mapped(
  mode: Mode,
  source: Iterable<number> | AsyncIterable<number>,
  fn: (i: number) => Operation<number>,
  limit: number,
  clock?: VirtualClock,
) {
  const options = { limit, ordered: mode.ordered, settle: mode.settle, clock };
  return mapConcurrent(source, fn, options) as unknown as {
    forEach(consume: (r: unknown) => void): Operation<void>;
  } & AsyncIterable<unknown>;
}

// Item 0 is slow, 1 and 2 finish at 1 and 2, the rest take 10: in
// completion order 1 and 2 are consumed and free their slots (3 and 4 are
// pulled); in input order they are parked behind 0 and nothing is pulled.
const SLOW_FIRST = (i: number): number => (i === 0 ? 10 : i <= 2 ? i : 10);

describe.each(KINDS)("mapConcurrent exits in every mode, %s source", (kind) => {
  for (const mode of MODES) {
    if (!mode.settle) {
      it(`${mode.name}: a mapping fails: in-flight cancelled, parked results dropped, no further pull, return() once`, async () => {
        const { source, log } = trackedSource(kind);
        const cancelled: number[] = [];
        const consumed: number[] = [];
        const fails = sleeper((i) => (i === 2 ? -2 : SLOW_FIRST(i)), cancelled);
        const task = run(
          () =>
            mapped(mode, source, fails, 3).forEach((r) => {
              consumed.push(itemOf(mode, r));
            }),
          { clock: new VirtualClock() },
        );
        const outcome = await outcomeOf(task);
        const error = (outcome as { error: NurseryError }).error;
        expect(error).toBeInstanceOf(NurseryError);
        expect(error.errors).toEqual([new Error("item 2 failed")]);
        if (mode.ordered) {
          // Item 1 finished but waited behind 0: never consumed.
          expect(consumed).toEqual([]);
          expect(cancelled).toEqual([0]);
          expect(log).toEqual({ pulled: 3, returns: 1, nextAfterEnd: 0 });
        } else {
          expect(consumed).toEqual([1]);
          expect(cancelled.sort()).toEqual([0, 3]);
          expect(log).toEqual({ pulled: 4, returns: 1, nextAfterEnd: 0 });
        }
      });
    } else {
      it(`${mode.name}: a mapping fails: a rejected record, the source read to its end, no return()`, async () => {
        const { source, log } = trackedSource(kind, 6);
        const cancelled: number[] = [];
        const records: string[] = [];
        const fails = sleeper((i) => (i === 2 ? -2 : SLOW_FIRST(i)), cancelled);
        const task = run(
          () =>
            mapped(mode, source, fails, 3).forEach((r) => {
              const s = r as Settled<number, number>;
              records.push(`${s.item} ${s.status}`);
            }),
          { clock: new VirtualClock() },
        );
        expect((await outcomeOf(task)).status).toBe("ok");
        expect(cancelled).toEqual([]);
        expect(records).toHaveLength(6);
        expect(records).toContain("2 rejected");
        if (mode.ordered) expect(records[0]).toBe("0 fulfilled");
        else expect(records.slice(0, 2)).toEqual(["1 fulfilled", "2 rejected"]);
        expect(log).toEqual({ pulled: 6, returns: 0, nextAfterEnd: 0 });
      });
    }

    it(`${mode.name}: the consumer fails on its first result: in-flight cancelled, no further pull, return() once`, async () => {
      const { source, log } = trackedSource(kind);
      const cancelled: number[] = [];
      const consumed: number[] = [];
      const task = run(
        () =>
          mapped(mode, source, sleeper(SLOW_FIRST, cancelled), 3).forEach((r) => {
            consumed.push(itemOf(mode, r));
            throw new Error("consumer failed");
          }),
        { clock: new VirtualClock() },
      );
      const outcome = await outcomeOf(task);
      const error = (outcome as { error: NurseryError }).error;
      expect(error).toBeInstanceOf(NurseryError);
      expect(error.errors).toEqual([new Error("consumer failed")]);
      // In input order the first result is 0, at 10: 1 and 2 are parked, nothing in flight.
      expect(consumed).toEqual(mode.ordered ? [0] : [1]);
      expect(cancelled.sort()).toEqual(mode.ordered ? [] : [0, 2]);
      expect(log).toEqual({ pulled: 3, returns: 1, nextAfterEnd: 0 });
    });

    it(`${mode.name}: the caller is cancelled: in-flight cancelled, no further pull, return() once`, async () => {
      const { source, log } = trackedSource(kind);
      const cancelled: number[] = [];
      const consumed: number[] = [];
      const clock = new VirtualClock();
      const scope = new CancelScope();
      const task = run(
        () =>
          nursery(function* (n) {
            n.startSoon(function* () {
              yield* sleep(5);
              scope.cancel("enough");
            });
            yield* scope.run(() =>
              mapped(mode, source, sleeper(SLOW_FIRST, cancelled), 3).forEach((r) => {
                consumed.push(itemOf(mode, r));
              }),
            );
          }),
        { clock },
      );
      expect((await outcomeOf(task)).status).toBe("ok");
      expect(scope.cancelledCaught).toBe(true);
      expect(clock.now()).toBe(5);
      // A cancellation is never a settled record, in any mode.
      if (mode.ordered) {
        expect(consumed).toEqual([]);
        expect(cancelled).toEqual([0]);
        expect(log).toEqual({ pulled: 3, returns: 1, nextAfterEnd: 0 });
      } else {
        expect(consumed).toEqual([1, 2]);
        expect(cancelled.sort()).toEqual([0, 3, 4]);
        expect(log).toEqual({ pulled: 5, returns: 1, nextAfterEnd: 0 });
      }
    });

    it(`${mode.name}: a timeout around it: failAfter throws TimeoutError, moveOnAfter returns`, async () => {
      for (const which of ["fail", "move on"] as const) {
        const { source, log } = trackedSource(kind);
        const cancelled: number[] = [];
        const consumed: number[] = [];
        const clock = new VirtualClock();
        const body = () =>
          mapped(mode, source, sleeper(SLOW_FIRST, cancelled), 3).forEach((r) => {
            consumed.push(itemOf(mode, r));
          });
        const task = run(() => (which === "fail" ? failAfter(5, body) : moveOnAfter(5, body)), {
          clock,
        });
        const outcome = await outcomeOf(task);
        if (which === "fail") {
          expect((outcome as { error: unknown }).error).toBeInstanceOf(TimeoutError);
        } else {
          expect(outcome).toEqual({ status: "ok", value: undefined });
        }
        expect(clock.now()).toBe(5);
        expect(consumed).toEqual(mode.ordered ? [] : [1, 2]);
        expect(cancelled.sort()).toEqual(mode.ordered ? [0] : [0, 3, 4]);
        expect(log).toEqual({ pulled: mode.ordered ? 3 : 5, returns: 1, nextAfterEnd: 0 });
      }
    });

    for (const exit of ["break", "return", "throw"] as const) {
      it(`${mode.name}: for await, ${exit} out of the loop: in-flight cancelled, no further pull, return() once`, async () => {
        const { source, log } = trackedSource(kind);
        const cancelled: number[] = [];
        // Item 0 is first in either order. No autojump: the loop body's time must not move.
        const results = mapped(
          mode,
          source,
          sleeper((i) => (i === 0 ? 0 : 100), cancelled),
          3,
          new VirtualClock({ autojump: false }),
        );
        const seen: number[] = [];
        const loop = async (): Promise<string> => {
          for await (const r of results) {
            seen.push(itemOf(mode, r));
            if (exit === "break") break;
            if (exit === "return") return "returned";
            throw new Error("thrown in the loop");
          }
          return "left";
        };
        if (exit === "throw") await expect(loop()).rejects.toThrow("thrown in the loop");
        else expect(await loop()).toBe(exit === "break" ? "left" : "returned");
        expect(seen).toEqual([0]);
        // From an async source, item 2 was still being pulled (its pull was cancelled).
        expect(cancelled.sort()).toEqual(kind === "sync" ? [1, 2] : [1]);
        expect(log).toEqual({ pulled: 3, returns: 1, nextAfterEnd: 0 });
      });
    }

    if (!mode.settle) {
      it(`${mode.name}: for await, a mapping fails: the loop rejects, in-flight cancelled, return() once`, async () => {
        const { source, log } = trackedSource(kind);
        const cancelled: number[] = [];
        const results = mapped(
          mode,
          source,
          sleeper((i) => (i === 1 ? -1 : 50), cancelled),
          3,
          new VirtualClock(),
        );
        const seen: number[] = [];
        const error = await (async () => {
          for await (const r of results) seen.push(itemOf(mode, r));
        })().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(NurseryError);
        expect((error as NurseryError).errors).toEqual([new Error("item 1 failed")]);
        expect(seen).toEqual([]);
        expect(cancelled.sort()).toEqual([0, 2]);
        expect(log).toEqual({ pulled: 3, returns: 1, nextAfterEnd: 0 });
      });
    }
  }

  it("a mapping that fails without suspending, a slow one in flight: it is cancelled, no pull after the failure, return() once", async () => {
    const { source, log } = trackedSource(kind);
    const cancelled: number[] = [];
    const consumed: number[] = [];
    let pulledAtFailure = -1;
    const slow = sleeper(() => 10, cancelled);
    const task = run(
      () =>
        mapConcurrent(
          source,
          function* (i) {
            if (i === 0) return yield* slow(i);
            if (i === 3) {
              pulledAtFailure = log.pulled;
              throw new Error("item 3 failed");
            }
            return i;
          },
          { limit: 3 },
        ).forEach((i) => {
          consumed.push(i);
        }),
      { clock: new VirtualClock() },
    );
    const outcome = await outcomeOf(task);
    expect((outcome as { error: NurseryError }).error.errors).toEqual([new Error("item 3 failed")]);
    expect(cancelled).toEqual([0]);
    expect(consumed).toEqual([1, 2]);
    // A sync source has handed out exactly the items mapped so far.
    if (kind === "sync") expect(pulledAtFailure).toBe(4);
    expect(log).toEqual({ pulled: pulledAtFailure, returns: 1, nextAfterEnd: 0 });
  });

  it.each([false, true])(
    "ordered (settle %s): a slow first item holds back at most limit results and stops pulling",
    async (settle) => {
      const mode: Mode = { name: "ordered", ordered: true, settle };
      const { source, log } = trackedSource(kind, 8);
      const consumed: number[] = [];
      const at49: number[] = [];
      const clock = new VirtualClock();
      const task = run(
        () =>
          nursery(function* (n) {
            n.startSoon(function* () {
              yield* sleep(49);
              at49.push(log.pulled, consumed.length);
            });
            yield* mapped(
              mode,
              source,
              sleeper((i) => (i === 0 ? 50 : 1), []),
              3,
            ).forEach((r) => {
              consumed.push(itemOf(mode, r));
            });
          }),
        { clock },
      );
      expect((await outcomeOf(task)).status).toBe("ok");
      // Items 1 and 2 finished at 1 and wait for 0, holding their slots: no pull until 50.
      expect(at49).toEqual([3, 0]);
      expect(consumed).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      // 50: 0, 1, 2 consumed, 3–5 pulled; 51: they are consumed, 6–7 pulled; 52: done.
      expect(clock.now()).toBe(52);
      expect(log).toEqual({ pulled: 8, returns: 0, nextAfterEnd: 0 });
    },
  );
});

/** The number of frames on the stack where it is called. */
function stackDepth(): number {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Infinity;
  try {
    return new Error().stack!.split("\n").length;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

describe("mapConcurrent eager completion, stack depth", () => {
  it.each(MODES)(
    "$name: 10 million eager items (limit 1000): the same stack depth at the last item as at the 1000th",
    (mode) => {
      const n = 10_000_000;
      const mappingDepths: number[] = [];
      const consumerDepths: number[] = [];
      let count = 0;
      const task = run(function* () {
        yield* mapped(
          mode,
          (function* () {
            for (let i = 0; i < n; i++) yield i;
          })(),
          function* (i) {
            if (i % 1_000_000 === 999 || i === n - 1) mappingDepths.push(stackDepth());
            return i;
          },
          1000,
        ).forEach((r) => {
          const i = itemOf(mode, r);
          if (i % 1_000_000 === 999 || i === n - 1) consumerDepths.push(stackDepth());
          count++;
        });
      });
      expect(task.done).toBe(true);
      expect(count).toBe(n);
      expect(mappingDepths).toHaveLength(11);
      // Whole stacks, not the default 10 frames (which would be constant whatever happens).
      expect(Math.min(...mappingDepths, ...consumerDepths)).toBeGreaterThan(
        Error.stackTraceLimit + 1,
      );
      expect(new Set(mappingDepths).size).toBe(1);
      expect(new Set(consumerDepths).size).toBe(1);
    },
    120_000,
  );
});
