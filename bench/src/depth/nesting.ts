/**
 * Nesting through plain `yield*`: a generator function that delegates to
 * itself N times, no task in between. The engine resumes a delegation chain
 * frame by frame, so a resume at depth N walks N frames and the depth is
 * bounded by the stack.
 */
import { checkpoint, run as copseRun, until, type Operation } from "@copse/core";
import * as effection from "effection";

/** Runs a chain of `depth` delegations whose innermost frame resumes `resumes` times. */
export type Nest = (depth: number, resumes: number) => Promise<void>;

function nestWith<Op>(leaf: () => Op) {
  type Gen = Generator<unknown, void, unknown>;
  function* nest(depth: number, resumes: number): Gen {
    if (depth === 0) {
      for (let i = 0; i < resumes; i++) yield* leaf() as unknown as Gen;
      return;
    }
    yield* nest(depth - 1, resumes);
  }
  return nest;
}

const resolved = Promise.resolve();

export const NESTS: Record<string, { label: string; nest: Nest }> = {
  "copse-checkpoint": {
    label: "copse, resumed by `checkpoint()`",
    nest: async (depth, resumes) => {
      const nest = nestWith<Operation<void>>(checkpoint);
      await copseRun(() => nest(depth, resumes));
    },
  },
  "copse-until": {
    label: "copse, resumed by `until(resolved promise)`",
    nest: async (depth, resumes) => {
      const nest = nestWith<Operation<void>>(() => until(resolved));
      await copseRun(() => nest(depth, resumes));
    },
  },
  "effection-until": {
    label: "Effection 4, resumed by `until(resolved promise)`",
    nest: async (depth, resumes) => {
      const nest = nestWith<effection.Operation<void>>(() => effection.until(resolved));
      await effection.run(() => nest(depth, resumes) as unknown as effection.Operation<void>);
    },
  },
  "plain-generator": {
    label: "baseline: a bare generator chain driven by `next()`",
    nest: async (depth, resumes) => {
      function* nest(d: number): Generator<number, void, unknown> {
        if (d === 0) {
          for (let i = 0; i < resumes; i++) yield i;
          return;
        }
        yield* nest(d - 1);
      }
      const it = nest(depth);
      while (it.next().done !== true);
    },
  },
};
