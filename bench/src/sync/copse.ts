/** copse: `channel`, `Lock`, `Semaphore`, tasks in a nursery (`startSoon`). */
import {
  Lock,
  Semaphore,
  channel,
  checkpoint,
  nursery,
  run,
  type Operation,
  type Task,
} from "@copse/core";
import { runtimeStats } from "@copse/core/internal";
import { shareOf, type Critical, type SyncImpl } from "./work.js";

let last: Task<unknown> | null = null;

function* produce(send: ReturnType<typeof channel<number>>[0], n: number): Operation<void> {
  for (let i = 0; i < n; i++) yield* send.send(i);
}

function* consume(receive: ReturnType<typeof channel<number>>[1], n: number): Operation<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yield* receive.receive();
  return sum;
}

interface Guard {
  acquire(): Operation<void>;
  release(): void;
}

function* sections(guard: Guard, count: number, critical: Critical): Operation<void> {
  for (let i = 0; i < count; i++) {
    yield* guard.acquire();
    critical.enter();
    if (critical.yields) yield* checkpoint();
    critical.leave();
    guard.release();
  }
}

function* share(guard: Guard, n: number, tasks: number, critical: Critical): Operation<void> {
  if (tasks === 1) {
    yield* sections(guard, n, critical);
    return;
  }
  yield* nursery(function* (group) {
    for (let t = 0; t < tasks; t++) {
      const count = shareOf(n, tasks, t);
      group.startSoon(() => sections(guard, count, critical));
    }
  });
}

async function finish<T>(task: Task<T>): Promise<T> {
  last = task;
  return task.done && task.outcome?.status === "ok" ? task.outcome.value : await task;
}

export const impl: SyncImpl = {
  channel: (n, capacity) =>
    finish(
      run(function* () {
        const [send, receive] = channel<number>(capacity);
        return yield* nursery(function* (group) {
          group.startSoon(() => produce(send, n));
          return yield* consume(receive, n);
        });
      }),
    ).then((sum) => sum ?? NaN),
  lock: (n, tasks, critical) => finish(run(() => share(new Lock(), n, tasks, critical))),
  semaphore: (n, tasks, permits, critical) =>
    finish(run(() => share(new Semaphore(permits), n, tasks, critical))),
  lastStats: () => {
    if (last === null) return undefined;
    const { turns, microtasks, promises } = runtimeStats(last);
    return { turns, microtasks, promises };
  },
};
