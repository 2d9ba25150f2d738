// Property: a timeout entered in a child's first step behaves the same
// whichever way each child was started (docs/eager-lazy.md, senses 1, 4, 5, 6),
// and matches a model of when it fires. Children are started at random
// times by the caller, each on a random path, with a random timeout kind,
// duration and amount of work.
import fc from "fast-check";
import { currentTask, nursery, sleep, type Operation, type Task } from "@copse/core";
import { describe, expect, it } from "vitest";
import { failAfter, moveOnAfter, moveOnAt, TimeoutError } from "../src/index.js";
import { outcomeOf, start, type StartPath } from "./helpers.js";

type Kind = "moveOnAfter" | "failAfter" | "moveOnAt";

interface ChildSpec {
  path: StartPath;
  /** How long the caller sleeps before starting this child. */
  gap: number;
  kind: Kind;
  /** The timeout's duration (for `moveOnAt`: from the child's start). */
  ms: number;
  /** How long the child's work takes. */
  work: number;
}

const childSpec: fc.Arbitrary<ChildSpec> = fc.record({
  path: fc.constantFrom<StartPath>("startTask", "startSoon"),
  gap: fc.integer({ min: 0, max: 40 }),
  kind: fc.constantFrom<Kind>("moveOnAfter", "failAfter", "moveOnAt"),
  ms: fc.integer({ min: 0, max: 100 }),
  work: fc.integer({ min: 0, max: 150 }),
});

type Observed = [index: number, result: string, end: number, ownTask: boolean];

function program(specs: readonly ChildSpec[], observed: Observed[]) {
  return function* (clock: { now(): number }): Operation<number> {
    yield* nursery(function* (n) {
      for (const [index, spec] of specs.entries()) {
        yield* sleep(spec.gap);
        let self: Task<unknown> | undefined;
        const child: Task<void> = start(n, spec.path, function* () {
          self = currentTask();
          const body = function* (): Operation<string> {
            const owner = currentTask();
            yield* sleep(spec.work);
            return owner === self ? "done" : "wrong owner";
          };
          let result: string;
          try {
            const value =
              spec.kind === "moveOnAfter"
                ? yield* moveOnAfter(spec.ms, body)
                : spec.kind === "moveOnAt"
                  ? yield* moveOnAt(clock.now() + spec.ms, body)
                  : yield* failAfter(spec.ms, body);
            result = value ?? "moved on";
          } catch (error) {
            if (!(error instanceof TimeoutError)) throw error;
            result = "TimeoutError";
          }
          observed.push([index, result, clock.now(), currentTask() === child]);
        });
      }
    });
    return clock.now();
  };
}

/** What the model says each child observes, in the order children end. */
function model(specs: readonly ChildSpec[]): { observed: Observed[]; end: number } {
  let startAt = 0;
  const rows = specs.map((spec, index) => {
    startAt += spec.gap;
    // A timer and the deadline due at the same instant: the deadline was set
    // first (the scope is entered before the work starts), so it wins.
    const fires = spec.work >= spec.ms;
    const result = !fires ? "done" : spec.kind === "failAfter" ? "TimeoutError" : "moved on";
    return [index, result, startAt + Math.min(spec.work, spec.ms), true] as Observed;
  });
  const end = Math.max(startAt, ...rows.map((row) => row[2]));
  return { observed: rows, end };
}

/** Order within one instant may differ between the paths (docs/eager-lazy.md): compare sorted by (end, index). */
function sorted(rows: Observed[]): Observed[] {
  return [...rows].sort((a, b) => a[2] - b[2] || a[0] - b[0]);
}

describe("property: timeouts in first steps, eager ≡ lazy ≡ model", () => {
  it("X06/T13 every child's timeout fires at its own absolute deadline, in that child only, on either path", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(childSpec, { minLength: 1, maxLength: 6 }), async (specs) => {
        const runWith = async (paths: (spec: ChildSpec) => StartPath) => {
          const observed: Observed[] = [];
          const { outcome } = await outcomeOf(
            program(
              specs.map((spec) => ({ ...spec, path: paths(spec) })),
              observed,
            ),
          );
          return { outcome, observed: sorted(observed) };
        };
        const expected = model(specs);
        const mixed = await runWith((spec) => spec.path);
        const eager = await runWith(() => "startTask");
        const lazy = await runWith(() => "startSoon");
        for (const result of [mixed, eager, lazy]) {
          expect(result.outcome).toEqual({ status: "ok", value: expected.end });
          expect(result.observed).toEqual(sorted(expected.observed));
        }
      }),
    );
  });
});
