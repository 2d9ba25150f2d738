// The eager/lazy equivalence property (the semantics that must hold on both
// start paths, docs/eager-lazy.md), run in CI: 10 000 generated
// programs (about 3 s; at least 2 000 are required) with the fixed seed of
// test/setup.ts. `FC_RUNS` (or `pnpm test:props --runs 100000`) changes the
// count and `FC_SEED` the seed; a failure prints the seed, the replay path,
// the shrunk program and what differed.
import fc from "fast-check";
import { expect, test } from "vitest";
import { equivalenceProperty } from "../src/index.js";

const CI_RUNS = 10_000;
const runs = fc.readConfigureGlobal().numRuns ?? CI_RUNS;
// A program takes well under a millisecond; 2 ms each leaves room for a
// loaded machine when FC_RUNS asks for many more than CI runs.
const timeout = Math.max(60_000, runs * 2);

test(
  `lazy, eager and mixed runs are the same in the seven senses of docs/eager-lazy.md (${runs} programs)`,
  () => {
    const details = fc.check(equivalenceProperty(), { numRuns: runs });
    if (details.failed) {
      // The report gives the seed, the replay path and the shrunk program; the
      // property's own error lists the findings.
      const error = details.errorInstance;
      throw new Error(
        `${fc.defaultReportMessage(details)}\n${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    expect(details.numRuns).toBe(runs);
  },
  timeout,
);
