/**
 * The hot path, one primitive at a time. Each entry does `ops` operations
 * between `mark.start()` and `mark.stop()`; setup outside the marks is not
 * charged. The copse entries run inside one `run`.
 */
import { CancelScope, all, nursery, sleep, type Operation } from "@copse/core";

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

function* oneCheckpoint(): Operation<number> {
  yield* sleep(0);
  return 1;
}

function* empty(): Operation<void> {}

const LAZY_BATCH = 100;

export const PRIMITIVES: Primitive[] = [
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
