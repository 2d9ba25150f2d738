/**
 * The hot path, one primitive at a time. Each entry does `ops` operations
 * between `mark.start()` and `mark.stop()`; setup outside the marks is not
 * charged. The copse entries run inside one `run`.
 *
 * The entries are made from the copse modules they are given, so that one
 * worker can measure this build or another one (`--packages`, the "before"
 * of a before/after table).
 */
import type * as CoreModule from "@copse/core";
import type { Operation } from "@copse/core";
import type * as TimeoutModule from "@copse/timeout";

/** The packages the entries run on. */
export interface Libraries {
  core: typeof CoreModule;
  timeout: typeof TimeoutModule;
}

export interface Marks {
  start(): void;
  stop(): void;
}

export interface Primitive {
  id: string;
  label: string;
  /** What one operation does, for the table. */
  what: string;
  /** Runs `ops` operations: an operation body (run inside copse `run`) or an async function. */
  copse?: (ops: number, mark: Marks) => Operation<void>;
  async?: (ops: number, mark: Marks) => Promise<void>;
}

function* finished(): Operation<number> {
  return 1;
}

function* empty(): Operation<void> {}

const LAZY_BATCH = 100;

/** The ids of the entries, in table order (known without loading copse). */
export const PRIMITIVE_IDS = [
  "start-eager",
  "start-lazy",
  "all-6",
  "sleep0",
  "join-wait",
  "start-checkpoint",
  "start-until",
  "until-resolved",
  "join-done",
  "cancel-scope",
  "move-on-after",
  "fail-after",
  "nursery-empty",
  "yield-star",
  "promise-all-6",
  "await-async",
] as const;

/** Every entry, on the given packages. */
export function primitives({ core, timeout }: Libraries): Primitive[] {
  const { CancelScope, all, nursery, sleep, until } = core;
  const { failAfter, moveOnAfter } = timeout;
  function* oneCheckpoint(): Operation<number> {
    yield* sleep(0);
    return 1;
  }
  function* oneResolvedPromise(): Operation<number> {
    return yield* until(Promise.resolve(1));
  }
  const list: Primitive[] = [
    {
      id: "start-eager",
      label: "start + finish eagerly",
      what: "`n.startTask(f)` where `f` returns without suspending (the task is done when `startTask` returns)",
      *copse(ops, mark) {
        yield* nursery(function* (n) {
          mark.start();
          for (let i = 0; i < ops; i++) n.startTask(finished);
          mark.stop();
        });
      },
    },
    {
      id: "start-lazy",
      label: "start + finish lazily",
      what: `\`n.startSoon(f)\`, ${LAZY_BATCH} per nursery, until the nursery has waited for them (one run-queue turn each)`,
      *copse(ops, mark) {
        mark.start();
        for (let done = 0; done < ops; done += LAZY_BATCH) {
          yield* nursery(function* (n) {
            for (let i = 0; i < LAZY_BATCH; i++) n.startSoon(finished);
          });
        }
        mark.stop();
      },
    },
    {
      id: "all-6",
      label: "`all` of 6 finished children",
      what: "`yield* all([f, f, f, f, f, f])`, every child returning at once (one inner node of the async tree)",
      *copse(ops, mark) {
        mark.start();
        for (let i = 0; i < ops; i++) {
          yield* all([finished, finished, finished, finished, finished, finished]);
        }
        mark.stop();
      },
    },
    {
      id: "sleep0",
      label: "`sleep(0)`",
      what: "`yield* sleep(0)` in one task (a checkpoint: to the back of the run queue)",
      *copse(ops, mark) {
        mark.start();
        for (let i = 0; i < ops; i++) yield* sleep(0);
        mark.stop();
      },
    },
    {
      id: "join-wait",
      label: "join an unfinished task",
      what: "`yield* n.startTask(g)` where `g` does one `sleep(0)`: eager start, suspend, wake the joiner",
      *copse(ops, mark) {
        yield* nursery(function* (n) {
          mark.start();
          for (let i = 0; i < ops; i++) yield* n.startTask(oneCheckpoint);
          mark.stop();
        });
      },
    },
    {
      id: "start-checkpoint",
      label: "start a task that suspends once",
      what: "`n.startTask(g)` where `g` does one `sleep(0)`, not joined (what `join-wait` does without the join)",
      *copse(ops, mark) {
        yield* nursery(function* (n) {
          mark.start();
          for (let i = 0; i < ops; i++) n.startTask(oneCheckpoint);
          mark.stop();
        });
      },
    },
    {
      id: "start-until",
      label: "start a task that waits for a promise once",
      what: "`n.startTask(g)` where `g` does `yield* until(Promise.resolve(1))`, not joined",
      *copse(ops, mark) {
        yield* nursery(function* (n) {
          mark.start();
          for (let i = 0; i < ops; i++) n.startTask(oneResolvedPromise);
          mark.stop();
        });
      },
    },
    {
      id: "until-resolved",
      label: "`until` a resolved promise",
      what: "`yield* until(Promise.resolve(i))` in one task (a microtask and a wake per wait)",
      *copse(ops, mark) {
        mark.start();
        for (let i = 0; i < ops; i++) yield* until(Promise.resolve(i));
        mark.stop();
      },
    },
    {
      id: "join-done",
      label: "join a finished task",
      what: "`yield* task` on a task that is already done (no suspension)",
      *copse(ops, mark) {
        yield* nursery(function* (n) {
          const task = n.startTask(finished);
          mark.start();
          for (let i = 0; i < ops; i++) yield* task;
          mark.stop();
        });
      },
    },
    {
      id: "cancel-scope",
      label: "`CancelScope` run",
      what: "`yield* new CancelScope().run(f)` where `f` returns at once",
      *copse(ops, mark) {
        mark.start();
        for (let i = 0; i < ops; i++) yield* new CancelScope().run(finished);
        mark.stop();
      },
    },
    {
      id: "move-on-after",
      label: "`moveOnAfter` timeout",
      what: "`yield* moveOnAfter(1000, f)` where `f` returns at once (a scope with a deadline timer)",
      *copse(ops, mark) {
        mark.start();
        for (let i = 0; i < ops; i++) yield* moveOnAfter(1000, finished);
        mark.stop();
      },
    },
    {
      id: "fail-after",
      label: "`failAfter` timeout",
      what: "`yield* failAfter(1000, f)` where `f` returns at once",
      *copse(ops, mark) {
        mark.start();
        for (let i = 0; i < ops; i++) yield* failAfter(1000, finished);
        mark.stop();
      },
    },
    {
      id: "nursery-empty",
      label: "empty nursery",
      what: "`yield* nursery(f)` with no child (its exit is a schedule point)",
      *copse(ops, mark) {
        mark.start();
        for (let i = 0; i < ops; i++) yield* nursery(empty);
        mark.stop();
      },
    },
    {
      id: "yield-star",
      label: "baseline: `yield*` a generator",
      what: "`yield* f()` of a generator that returns at once (no copse call)",
      *copse(ops, mark) {
        mark.start();
        for (let i = 0; i < ops; i++) yield* finished();
        mark.stop();
      },
    },
    {
      id: "promise-all-6",
      label: "baseline: `Promise.all` of 6 async calls",
      what: "`await Promise.all([f(), f(), f(), f(), f(), f()])` of async functions that return at once",
      async async(ops, mark) {
        const f = async (): Promise<number> => 1;
        mark.start();
        for (let i = 0; i < ops; i++) await Promise.all([f(), f(), f(), f(), f(), f()]);
        mark.stop();
      },
    },
    {
      id: "await-async",
      label: "baseline: `await` an async call",
      what: "`await f()` of an async function that returns at once (one microtask)",
      async async(ops, mark) {
        const f = async (): Promise<number> => 1;
        mark.start();
        for (let i = 0; i < ops; i++) await f();
        mark.stop();
      },
    },
  ];
  return PRIMITIVE_IDS.map((id) => list.find((p) => p.id === id)!);
}
