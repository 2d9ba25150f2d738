// The README's main job: a short tour of copse that prints what it did.
//
//   npx -y pnpm@10.34.9 install --frozen-lockfile && npx -y pnpm@10.34.9 demo
import {
  CancelScope,
  NurseryError,
  all,
  call,
  currentTask,
  mapConcurrent,
  nursery,
  run,
  sleep,
  type Operation,
} from "@copse/core";
import { runtimeStats } from "@copse/core/internal";
import { TimeoutError, failAfter, moveOnAfter } from "@copse/timeout";

const cache = new Map<string, string>([
  ["a", "alpha"],
  ["b", "beta"],
  ["c", "gamma"],
]);

/** A lookup that hits the cache (no suspension) or "fetches" (10 ms). */
function* lookup(key: string): Operation<string> {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  yield* sleep(10);
  const value = `fetched(${key})`;
  cache.set(key, value);
  return value;
}

function* main(): Operation<void> {
  console.log("copse demo\n");

  // 1. Eager gather: every child is a cache hit, so `all` finishes inside
  //    this step: no promise, no microtask, no run-queue turn.
  const before = runtimeStats(currentTask()).turns;
  const hits = yield* all(["a", "b", "c"].map((k) => lookup(k)));
  console.log(
    `1. all() over 3 cache hits -> ${JSON.stringify(hits)}; run-queue turns used: ${
      runtimeStats(currentTask()).turns - before
    }`,
  );

  // 2. Lazy and eager starts: startSoon queues the child, startTask runs its
  //    first step now. Each step sees its own task as current.
  const order: string[] = [];
  yield* nursery(function* (n) {
    n.startSoon(
      function* () {
        order.push(`lazy child runs (current: ${currentTask().name})`);
      },
      { name: "lazy" },
    );
    n.startTask(
      function* () {
        order.push(`eager child runs (current: ${currentTask().name})`);
        yield* sleep(1);
      },
      { name: "eager" },
    );
    order.push(`body continues (current: ${currentTask().name})`);
  });
  console.log(`2. start order: ${order.join(" -> ")}`);

  // 3. A failing child cancels its siblings; the nursery waits for their
  //    cleanup and reports every failure.
  const cleanup: string[] = [];
  try {
    yield* nursery(function* (n) {
      for (const name of ["x", "y"]) {
        n.startSoon(function* () {
          try {
            yield* sleep(1_000);
          } finally {
            cleanup.push(name);
          }
        });
      }
      n.startSoon(function* () {
        yield* sleep(5);
        throw new Error("disk full");
      });
    });
  } catch (error) {
    if (!(error instanceof NurseryError)) throw error;
    console.log(
      `3. nursery failed with ${error.errors.map((e) => (e as Error).message).join(", ")}; ` +
        `siblings cleaned up: ${cleanup.join(", ")}`,
    );
  }

  // 4. A timeout around promise-based work: the signal aborts at the
  //    deadline and TimeoutError is thrown on time, even though the promise
  //    ignores the signal.
  let aborted = false;
  const started = performance.now();
  try {
    yield* failAfter(50, () =>
      call((signal) => {
        signal.addEventListener("abort", () => (aborted = true));
        return new Promise<string>((resolve) => setTimeout(() => resolve("too late"), 500));
      }),
    );
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    console.log(
      `4. failAfter(50) -> TimeoutError after ~${Math.round(performance.now() - started)} ms; signal aborted: ${aborted}`,
    );
  }

  // 5. A timeout opened in an eager child's first step belongs to that
  //    child: it fires there, and the caller is not cancelled.
  const moved = yield* nursery(function* (n) {
    const child = n.startTask(() => moveOnAfter(20, () => sleep(1_000)));
    yield* sleep(40);
    return `child moved on at its deadline (${child.outcome?.status}); caller slept on`;
  });
  console.log(`5. ${moved}`);

  // 6. Bounded concurrency over a lazy source: at most 4 lookups in flight.
  let inFlight = 0;
  let peak = 0;
  let count = 0;
  function* keys(): Iterable<string> {
    for (let i = 0; i < 20; i++) yield `k${i % 10}`;
  }
  yield* mapConcurrent(
    keys(),
    function* (key) {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return yield* lookup(key);
      } finally {
        inFlight--;
      }
    },
    { limit: 4 },
  ).forEach(() => {
    count++;
  });
  console.log(`6. mapConcurrent: ${count} results, at most ${peak} in flight`);

  // 7. Shielded cleanup: cancelled work still finishes its cleanup.
  const scope = new CancelScope();
  let closed = false;
  yield* scope.run(function* () {
    scope.cancel();
    try {
      yield* sleep(1_000);
    } finally {
      yield* new CancelScope({ shield: true }).run(function* () {
        yield* sleep(5); // e.g. flush and close a connection
        closed = true;
      });
    }
  });
  console.log(
    `7. cancelled scope caught its cancellation: ${scope.cancelledCaught}; cleanup ran: ${closed}`,
  );
}

await run(main);
console.log("\ndone");
