// Timer cost at scale: every timeout is one entry in the runtime's timer
// heap (`runtimeStats(task).heapTimers`), never a setTimeout of its own; the
// runtime asks its Clock only for the earliest entry, so a CountingClock in
// front of the VirtualClock sees at most one timer armed at a time and one
// `setTimer` per distinct instant at which something is due.
//
// These programs are big enough that the runtime hands control back to the
// event loop on its time budget (see runtime.ts), so the tests `await` the
// task instead of expecting it to finish inside `run()`.
//
// Nesting depth: timeouts nested inside ONE task form one `yield*` chain,
// and every resumption of the task walks that chain on the engine's stack,
// so in-task depth is bounded by V8's stack (about 2 000 `moveOnAfter`
// levels in a vitest worker). 10 000-deep nesting is therefore built the
// way deep scope trees arise in structured concurrency: each level is a
// task whose timeout encloses the nursery that holds the next level (a
// nursery's scope encloses its children), so the scope tree is 10 000
// timeouts deep while every task's own stack stays shallow.
import { nursery, run, suspend, type CancelScope, type Operation } from "@copse/core";
import { runtimeStats } from "@copse/core/internal";
import { describe, expect, it } from "vitest";
import { failAfter, moveOnAfter } from "../src/index.js";
import { CountingClock, PATHS, start, type StartPath } from "./helpers.js";

interface Measured {
  heapTimers: number;
  clockTimers: number;
  /** Times the runtime handed control back to the event loop (each may re-arm the clock timer once). */
  yields: number;
  setTimerCalls: number;
  maxArmed: number;
  end: number;
}

async function measure(body: (clock: CountingClock) => Operation<unknown>): Promise<Measured> {
  const clock = new CountingClock();
  const task = run(() => body(clock), { clock });
  await task;
  const stats = runtimeStats(task);
  return {
    heapTimers: stats.heapTimers,
    clockTimers: stats.clockTimers,
    yields: stats.yields,
    setTimerCalls: clock.setTimerCalls,
    maxArmed: clock.maxArmed,
    end: clock.now(),
  };
}

/**
 * `depth` timeouts nested through a chain of tasks: level i is a task whose
 * timeout (deadline `deadlineOf(i)`) encloses a nursery holding level i+1.
 * Each level records, when its timeout block ends, the time and its scope's
 * flags.
 */
function nestedChain(
  path: StartPath,
  depth: number,
  deadlineOf: (level: number) => number,
  ended: [number, number, boolean, boolean][],
  now: () => number,
) {
  function* level(i: number): Operation<void> {
    let scope: CancelScope | undefined;
    try {
      yield* moveOnAfter(deadlineOf(i), function* (s) {
        scope = s;
        if (i + 1 === depth) {
          yield* suspend();
        } else {
          yield* nursery(function* (n) {
            start(n, path, () => level(i + 1));
            yield* suspend();
          });
        }
      });
    } finally {
      ended.push([i, now(), scope!.cancelCalled, scope!.cancelledCaught]);
    }
  }
  return level;
}

describe("timer cost of timeouts", () => {
  const DEPTH = 10_000;

  it.each(PATHS)(
    "10 000 nested timeouts (innermost first, one instant each): one heap timer each, fired in deadline order, one clock timer armed at a time (%s)",
    async (path) => {
      const ended: [number, number, boolean, boolean][] = [];
      // Level i fires at DEPTH - i ms: the innermost at 1, the outermost at DEPTH.
      const result = await measure(function* (clock) {
        yield* nestedChain(
          path,
          DEPTH,
          (i) => DEPTH - i,
          ended,
          () => clock.now(),
        )(0);
      });
      const expected = Array.from(
        { length: DEPTH },
        (_, k) => [DEPTH - 1 - k, k + 1, true, true] as const,
      );
      expect(ended).toEqual(expected);
      expect(result.heapTimers).toBe(DEPTH);
      // Every deadline is its own instant, so the clock is woken once per
      // instant (plus a re-arm when a budget yield interrupted the setup) —
      // but it never holds more than one timer.
      expect(result.maxArmed).toBe(1);
      expect(result.setTimerCalls).toBe(result.clockTimers);
      expect(result.clockTimers).toBeLessThanOrEqual(DEPTH + result.yields + 1);
      expect(result.end).toBe(DEPTH);
      console.log(`nested ${DEPTH} (${path}), distinct deadlines:`, JSON.stringify(result));
    },
  );

  it.each(PATHS)(
    "10 000 nested timeouts sharing 100 instants: one heap timer each, 100 clock timers, the outermost due scope catches (%s)",
    async (path) => {
      const GROUP = 100;
      const ended: [number, number, boolean, boolean][] = [];
      // Levels 9900..9999 are due at 1 ms, 9800..9899 at 2 ms, ..., 0..99 at 100 ms.
      const deadlineOf = (i: number): number => 1 + Math.floor((DEPTH - 1 - i) / GROUP);
      const result = await measure(function* (clock) {
        yield* nestedChain(path, DEPTH, deadlineOf, ended, () => clock.now())(0);
      });
      // Each level ends at its own deadline, innermost first; every scope
      // saw its deadline (cancelCalled), and of the scopes due at the same
      // instant only the outermost caught the Cancelled (docs/cases.md C06).
      const expected = Array.from({ length: DEPTH }, (_, k) => {
        const i = DEPTH - 1 - k;
        return [i, deadlineOf(i), true, (DEPTH - i) % GROUP === 0] as const;
      });
      expect(ended).toEqual(expected);
      expect(result.heapTimers).toBe(DEPTH);
      expect(result.maxArmed).toBe(1);
      expect(result.setTimerCalls).toBe(result.clockTimers);
      expect(result.clockTimers).toBeLessThanOrEqual(DEPTH / GROUP + result.yields + 1);
      expect(result.end).toBe(DEPTH / GROUP);
      console.log(`nested ${DEPTH} (${path}), ${DEPTH / GROUP} instants:`, JSON.stringify(result));
    },
  );

  it.each(PATHS)(
    "100 000 concurrent timeouts in one nursery: one heap timer each, fired in deadline order, about one clock timer per instant (%s)",
    async (path) => {
      const COUNT = 100_000;
      const INSTANTS = 1_000;
      // A permutation of the start order over 1 000 instants (7919 is prime).
      const deadlineOf = (i: number): number => 1 + ((i * 7919) % INSTANTS);
      const fired: number[] = [];
      const firedAt: number[] = new Array<number>(COUNT);
      const result = await measure(function* (clock) {
        yield* nursery(function* (n) {
          for (let i = 0; i < COUNT; i++) {
            start(n, path, function* () {
              yield* moveOnAfter(deadlineOf(i), () => suspend());
              fired.push(i);
              firedAt[i] = clock.now();
            });
          }
        });
      });
      // Deadline order; equal deadlines in the order the timeouts were set.
      const expected = Array.from({ length: COUNT }, (_, i) => i).sort(
        (a, b) => deadlineOf(a) - deadlineOf(b) || a - b,
      );
      expect(fired).toEqual(expected);
      expect(firedAt.every((t, i) => t === deadlineOf(i))).toBe(true);
      expect(result.heapTimers).toBe(COUNT);
      expect(result.maxArmed).toBe(1);
      expect(result.setTimerCalls).toBe(result.clockTimers);
      expect(result.clockTimers).toBeLessThanOrEqual(INSTANTS + result.yields + 1);
      expect(result.end).toBe(INSTANTS);
      console.log(`concurrent ${COUNT} (${path}):`, JSON.stringify(result));
    },
  );

  it("1 000 timeouts nested in one task (moveOnAfter and failAfter alternating): one heap timer each, fired innermost first", async () => {
    const LEVELS = 1_000;
    const log: [number, string, number][] = [];
    const result = await measure(function* (clock) {
      function* level(i: number): Operation<void> {
        if (i === LEVELS) return yield* suspend();
        const ms = LEVELS - i; // the innermost is due first
        if (i % 2 === 0) {
          yield* moveOnAfter(ms, () => level(i + 1));
          log.push([i, "moved on", clock.now()]);
        } else {
          try {
            yield* failAfter(ms, () => level(i + 1));
          } catch (error) {
            log.push([i, (error as Error).name, clock.now()]);
          }
        }
        // Wait for the enclosing level's deadline (the outermost is done).
        if (i > 0) yield* suspend();
      }
      yield* level(0);
    });
    expect(log).toEqual(
      Array.from({ length: LEVELS }, (_, k) => {
        const i = LEVELS - 1 - k;
        return [i, i % 2 === 0 ? "moved on" : "TimeoutError", k + 1];
      }),
    );
    expect(result.heapTimers).toBe(LEVELS);
    expect(result.maxArmed).toBe(1);
    expect(result.clockTimers).toBeLessThanOrEqual(LEVELS + result.yields + 1);
    console.log(`nested ${LEVELS} in one task:`, JSON.stringify(result));
  });
});
