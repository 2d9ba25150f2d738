/**
 * A receive end ran dry: the channel's buffer is empty and every send end
 * is closed, so no value will come (Trio's `EndOfChannel`). `receive()`
 * throws it; `forEach` and `for await` end quietly on it instead.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { EndOfChannel, channel, run } from "@copse/core";
 *
 * const [send, receive] = channel<number>(1);
 * send.trySend(1);
 * send.close();
 * const values = await run(function* () {
 *   const got: number[] = [];
 *   for (;;) {
 *     try {
 *       got.push(yield* receive.receive()); // the buffered value first
 *     } catch (error) {
 *       if (error instanceof EndOfChannel) return got;
 *       throw error;
 *     }
 *   }
 * });
 * assert.deepEqual(values, [1]);
 * ```
 */
export class EndOfChannel extends Error {
  constructor(message = "the channel is drained and every send end is closed; no value will come") {
    super(message);
    this.name = "EndOfChannel";
  }
}

/**
 * An end was used after it was closed (by `close()`, by `forEach` or by a
 * `for await` loop over it): a mistake of the code holding it (Trio's
 * `ClosedResourceError`). Also thrown at a task blocked on an end when that
 * very end is closed.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClosedResourceError, channel } from "@copse/core";
 *
 * const [send] = channel<number>(1);
 * const other = send.clone();
 * send.close();
 * assert.throws(() => send.trySend(1), ClosedResourceError);
 * assert.equal(other.trySend(1), true); // closing one clone leaves the others open
 * ```
 */
export class ClosedResourceError extends Error {
  constructor(message = "the channel end is closed") {
    super(message);
    this.name = "ClosedResourceError";
  }
}

/**
 * A send found every receive end of the channel closed: nobody can ever
 * receive the value (Trio's `BrokenResourceError`). The value was not sent.
 * A send blocked when the last receive end closes gets it too.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { BrokenResourceError, channel } from "@copse/core";
 *
 * const [send, receive] = channel<number>(1);
 * receive.close();
 * assert.throws(() => send.trySend(1), BrokenResourceError);
 * ```
 */
export class BrokenResourceError extends Error {
  constructor(message = "every receive end of the channel is closed") {
    super(message);
    this.name = "BrokenResourceError";
  }
}

/** @internal */
export function closedSendEnd(what: string): ClosedResourceError {
  return new ClosedResourceError(
    `${what}: this send end is closed; close an end only after its last use, or use one of its clones`,
  );
}

/** @internal */
export function closedReceiveEnd(what: string): ClosedResourceError {
  return new ClosedResourceError(
    `${what}: this receive end is closed (by close(), forEach or a for await loop over it); close an end only after its last use, or use one of its clones`,
  );
}

/** @internal */
export function brokenChannel(what: string): BrokenResourceError {
  return new BrokenResourceError(
    `${what}: every receive end of the channel is closed, so nobody can receive the value; it was not sent`,
  );
}

/** @internal */
export function endOfChannel(what: string): EndOfChannel {
  return new EndOfChannel(
    `${what}: the channel is drained and every send end is closed; no value will come`,
  );
}
