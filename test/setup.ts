// Shared vitest setup for every package, in every runtime the suites run in
// (Node, Bun, Deno, Chromium; see scripts/runtimes.mjs).
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

interface Host {
  process?: {
    env: Record<string, string | undefined>;
    on?(event: string, listener: (reason: unknown) => void): void;
  };
  addEventListener?(type: string, listener: (event: HostErrorEvent) => void): void;
  setImmediate?(fn: () => void): void;
}
interface HostErrorEvent {
  reason?: unknown;
  error?: unknown;
  preventDefault(): void;
}
const host = globalThis as Host;

const stray: unknown[] = [];
if (typeof host.process?.on === "function") {
  // Node, and the Node-compatible processes of Bun and Deno.
  host.process.on("unhandledRejection", (reason) => stray.push(reason));
  host.process.on("uncaughtException", (error) => stray.push(error));
} else if (typeof host.addEventListener === "function") {
  // A browser page reports both as events on the global object.
  host.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    stray.push(event.reason);
  });
  host.addEventListener("error", (event) => {
    event.preventDefault();
    stray.push(event.error);
  });
}

// Node reports an unhandled rejection once the microtask queue drains; a
// browser queues its `unhandledrejection` event as a task of its own. Two
// macrotasks later every rejection caused by the test has surfaced.
const nextMacrotask = (): Promise<void> =>
  new Promise<void>((resolve) =>
    host.setImmediate === undefined ? setTimeout(resolve, 0) : host.setImmediate(resolve),
  );

beforeEach(() => {
  stray.length = 0;
});

afterEach(async () => {
  await nextMacrotask();
  await nextMacrotask();
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

// A browser page has no `process`; vitest hands it the variables of its
// config's `test.env` as `import.meta.env` instead.
const env =
  host.process?.env ??
  (import.meta as ImportMeta & { env: Record<string, string | undefined> }).env;

const seedText = env["FC_SEED"];
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
  const text = env["FC_RUNS"];
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`FC_RUNS must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return n;
}
