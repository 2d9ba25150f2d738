/**
 * Effection 4: `createQueue` (unbounded; `add` never waits). Effection has
 * no bounded channel, lock or semaphore, so the channel cells bound it the
 * way one would by hand: a second queue carries credits from the consumer
 * back to the producer (`capacity` credits to start with, one more before
 * each receive), and the producer takes a credit before each send.
 */
import { createQueue, run, spawn, type Operation } from "effection";
import type { SyncImpl } from "./work.js";

function* channel(n: number, capacity: number): Operation<number> {
  const values = createQueue<number, void>();
  const credits = createQueue<void, void>();
  for (let i = 0; i < capacity; i++) credits.add();
  const producer = yield* spawn(function* () {
    for (let i = 0; i < n; i++) {
      yield* credits.next();
      values.add(i);
    }
  });
  let sum = 0;
  for (let i = 0; i < n; i++) {
    credits.add();
    const next = yield* values.next();
    if (next.done !== true) sum += next.value;
  }
  yield* producer;
  return sum;
}

export const impl: SyncImpl = {
  channel: async (n, capacity) => await run(() => channel(n, capacity)),
};
