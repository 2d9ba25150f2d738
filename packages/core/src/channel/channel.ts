import { describeValue } from "../kernel/describe.js";
import { ReceiveEnd } from "./receive-end.js";
import { SendEnd } from "./send-end.js";
import { ChannelState } from "./state.js";

/**
 * Opens a memory channel for passing values between tasks (Trio's
 * `open_memory_channel`, AnyIO's `create_memory_object_stream`) and
 * returns its two ends, `[send, receive]` — values flow left to right.
 *
 * `capacity` is how many values the channel buffers: `0` makes every
 * `send` wait for a receiver (a rendezvous), `N` lets senders run up to
 * `N` values ahead, `Infinity` never makes a sender wait. When in doubt,
 * use 0 or a small number: a full buffer is how a slow consumer slows its
 * producers down. Values are delivered in the order they were sent, to
 * receivers in the order they started waiting.
 *
 * A cancelled `send` never delivers its value and a cancelled `receive`
 * never loses one: every operation either happens completely or, with
 * `Cancelled`, not at all. A send or receive that needs no waiting
 * completes without suspending (no schedule point, no turn, no promise).
 *
 * Close the ends when done: receivers get `EndOfChannel` once every send
 * end is closed and the buffer is empty; senders get `BrokenResourceError`
 * once every receive end is closed. `clone()` an end for more producers or
 * consumers.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { channel, nursery, run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 *
 * const clock = new VirtualClock();
 * const [send, receive] = channel<string>(0);
 * const got: string[] = [];
 * await run(
 *   () =>
 *     nursery(function* (n) {
 *       n.startSoon(function* producer() {
 *         for (const word of ["to", "and", "fro"]) yield* send.send(word); // waits for the consumer
 *         send.close();
 *       });
 *       n.startSoon(function* consumer() {
 *         yield* receive.forEach(function* (word) {
 *           got.push(`${word}@${clock.now()}`);
 *           yield* sleep(10); // a slow consumer holds the producer back
 *         });
 *       });
 *     }),
 *   { clock },
 * );
 * assert.deepEqual(got, ["to@0", "and@10", "fro@20"]);
 * ```
 *
 * @throws RangeError if `capacity` is not a non-negative integer or `Infinity`.
 */
export function channel<T>(capacity: number): [send: SendEnd<T>, receive: ReceiveEnd<T>] {
  if (
    capacity !== Infinity &&
    (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 0)
  ) {
    throw new RangeError(
      `channel: the capacity must be a non-negative integer or Infinity, got ${describeValue(capacity)}`,
    );
  }
  const state = new ChannelState<T>(capacity);
  return [new SendEnd(state), new ReceiveEnd(state)];
}
