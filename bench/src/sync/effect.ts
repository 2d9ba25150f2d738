/** Effect 4: `Queue.bounded`, `Semaphore` (`take`/`release`), fibers (`forkChild`, `Effect.all`). */
import { Effect, Fiber, Queue, Semaphore } from "effect";
import { shareOf, type Critical, type SyncImpl } from "./work.js";

function channel(n: number, capacity: number): Effect.Effect<number> {
  return Effect.gen(function* () {
    const queue = yield* Queue.bounded<number>(capacity);
    const producer = yield* Effect.forkChild(
      Effect.gen(function* () {
        for (let i = 0; i < n; i++) yield* Queue.offer(queue, i);
      }),
    );
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* Queue.take(queue);
    yield* Fiber.join(producer);
    return sum;
  });
}

function sections(
  sem: Semaphore.Semaphore,
  count: number,
  critical: Critical,
): Effect.Effect<void> {
  return Effect.gen(function* () {
    for (let i = 0; i < count; i++) {
      yield* sem.take(1);
      critical.enter();
      if (critical.yields) yield* Effect.yieldNow;
      critical.leave();
      yield* sem.release(1);
    }
  });
}

function share(permits: number, n: number, tasks: number, critical: Critical): Effect.Effect<void> {
  const sem = Semaphore.makeUnsafe(permits);
  if (tasks === 1) return sections(sem, n, critical);
  const all: Effect.Effect<void>[] = [];
  for (let t = 0; t < tasks; t++) all.push(sections(sem, shareOf(n, tasks, t), critical));
  return Effect.asVoid(Effect.all(all, { concurrency: "unbounded" }));
}

export const impl: SyncImpl = {
  channel: (n, capacity) => Effect.runPromise(channel(n, capacity)),
  lock: (n, tasks, critical) => Effect.runPromise(share(1, n, tasks, critical)),
  semaphore: (n, tasks, permits, critical) => Effect.runPromise(share(permits, n, tasks, critical)),
};
