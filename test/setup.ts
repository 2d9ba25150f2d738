// Shared vitest setup for every package.
//
// 1. Any unhandled rejection or uncaught exception fails the test during
//    which it surfaced (not just the run, as vitest does by default), with
//    the original error attached.
// 2. fast-check runs with a fixed seed unless FC_SEED says otherwise, and
//    FC_RUNS scales the number of runs of every property (see
//    `scripts/props.mjs`). On failure fast-check prints the seed, the path
//    and the shrunk counterexample.
import fc from "fast-check";
import { afterEach, beforeEach } from "vitest";

const stray: unknown[] = [];
const onRejection = (reason: unknown): void => {
  stray.push(reason);
};
const onException = (error: unknown): void => {
  stray.push(error);
};
process.on("unhandledRejection", onRejection);
process.on("uncaughtException", onException);

beforeEach(() => {
  stray.length = 0;
});

afterEach(async () => {
  // Node reports an unhandled rejection after the microtask queue drains;
  // one macrotask later every rejection caused by the test has surfaced.
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (stray.length > 0) {
    const errors = stray.splice(0);
    throw new AggregateError(
      errors,
      `the test caused ${errors.length} unhandled rejection(s) or uncaught exception(s): ${errors
        .map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)))
        .join("; ")}`,
    );
  }
});

const seedText = process.env["FC_SEED"];
const seed =
  seedText === undefined || seedText === ""
    ? 20261122
    : seedText === "random"
      ? Date.now() ^ (Math.random() * 0x100000000)
      : Number(seedText);
if (!Number.isSafeInteger(seed)) {
  throw new Error(`FC_SEED must be an integer or "random", got ${JSON.stringify(seedText)}`);
}
fc.configureGlobal({ seed, ...(fcRuns() === undefined ? {} : { numRuns: fcRuns() }) });

function fcRuns(): number | undefined {
  const text = process.env["FC_RUNS"];
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`FC_RUNS must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return n;
}
