import { describeValue } from "../kernel/describe.js";
import type { Operation } from "../kernel/operation.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { TaskWaiter } from "../kernel/wait-queue.js";
import { MUST_WAIT, WaitInstruction } from "../sync/waiting.js";
import { ReceiveIterator } from "./async-iterator.js";
import { EndOfChannel, brokenChannel, closedReceiveEnd, endOfChannel } from "./errors.js";
import { ChannelState, NOTHING, type ChannelStatistics } from "./state.js";

/** What {@link ReceiveEnd.tryReceive} returns: a value, or nothing to take right now. */
export type TryReceiveResult<T> =
  | {
      /** A value was taken. */
      readonly ok: true;
      /** The value taken. */
      readonly value: T;
    }
  | {
      /** Nothing was buffered and no sender was waiting. */
      readonly ok: false;
    };

const EMPTY: TryReceiveResult<never> = Object.freeze({ ok: false });

class Receive<T> extends WaitInstruction<T> {
  constructor(private readonly end: ReceiveEnd<T>) {
    super();
  }

  protected check(): void {
    if (this.end._closed) throw closedReceiveEnd("ReceiveEnd.receive()");
  }

  protected now(): T | typeof MUST_WAIT {
    const state = this.end._state;
    const value = state.take();
    if (value !== NOTHING) return value;
    if (state.openSendEnds === 0) throw endOfChannel("ReceiveEnd.receive()");
    return MUST_WAIT;
  }

  protected park(task: TaskImpl<unknown>): void {
    const waiter = new TaskWaiter(task, undefined, this.end);
    task.block(waiter);
    this.end._state.receivers.push(waiter);
  }
}

/** One generator function for every `forEach`: see `ReceiveEnd.forEach`. */
function* consume<T>(
  end: ReceiveEnd<T>,
  fn: (value: T) => Operation<unknown> | void,
): Generator<unknown, void> {
  const receive = end.receive();
  try {
    for (;;) {
      let value: T;
      try {
        value = yield* receive;
      } catch (error) {
        if (error instanceof EndOfChannel) return;
        throw error;
      }
      const step = fn(value);
      if (step === undefined) continue;
      if (step === null || typeof step !== "object" || !(Symbol.iterator in step)) {
        throw new TypeError(
          `ReceiveEnd.forEach: the function must return an operation or nothing, got ${describeValue(step)}`,
        );
      }
      yield* step;
    }
  } finally {
    end.close();
  }
}

/**
 * The receiving end of a {@link channel}. Any number of tasks may receive
 * through one end at once (each value goes to one of them, FIFO);
 * `clone()` makes more ends for more consumers, and senders are told the
 * channel is broken once every clone is closed.
 *
 * Consume it with `receive()` in a loop, with the operation `forEach(fn)`,
 * or with `for await` from plain async code; the last two close the end
 * when they finish.
 */
export class ReceiveEnd<T> implements AsyncIterable<T> {
  /** @internal */
  readonly _state: ChannelState<T>;
  /** @internal */
  _closed = false;
  private readonly receiveOperation: Receive<T>;

  /** @internal Ends are made by `channel()` and `clone()`. */
  constructor(state: ChannelState<T>) {
    this._state = state;
    state.openReceiveEnds++;
    this.receiveOperation = new Receive(this);
  }

  /** Whether this end was closed. */
  get closed(): boolean {
    return this._closed;
  }

  /**
   * Receives the next value, waiting while the channel is empty.
   *
   * - A value buffered, or a sender waiting: takes it without suspending
   *   (no schedule point, no turn, no promise), also during an eager first
   *   step. Taking from a full buffer lets the first waiting sender's value
   *   in (that sender's send is then done).
   * - Empty: suspends until a sender hands a value over; a cancellation
   *   point while waiting. A receive cancelled while it waits never takes a
   *   value, so none is lost. Once a value was handed over, the receive is
   *   done: it returns the value even if its task is cancelled before it
   *   runs again.
   * - Inside an effectively cancelled scope: yields and throws `Cancelled`
   *   without taking a value.
   *
   * @throws EndOfChannel at the `yield*` when the buffer is empty and every
   *   send end is closed (also when that happens while it waits);
   *   ClosedResourceError if this end is closed (also while it waits).
   */
  receive(): Operation<T> {
    return this.receiveOperation;
  }

  /**
   * Takes the next value if that needs no waiting: `{ ok: true, value }`,
   * or `{ ok: false }` when the channel is empty. Never suspends and is not
   * a cancellation point; may be called from anywhere. A sender whose value
   * it takes becomes ready and runs at a later turn.
   *
   * @throws EndOfChannel when the buffer is empty and every send end is
   *   closed; ClosedResourceError if this end is closed.
   */
  tryReceive(): TryReceiveResult<T> {
    if (this._closed) throw closedReceiveEnd("ReceiveEnd.tryReceive()");
    const state = this._state;
    const value = state.take();
    if (value !== NOTHING) return { ok: true, value };
    if (state.openSendEnds === 0) throw endOfChannel("ReceiveEnd.tryReceive()");
    return EMPTY;
  }

  /**
   * Receives every value until the channel ends, calling `fn` with each
   * (and running the operation it returns, if any, before receiving the
   * next). Returns when the buffer is empty and every send end is closed.
   * Then, or when `fn` throws or the task is cancelled, it closes this end.
   * Suspends as `receive()` does and as `fn`'s operations do.
   *
   * ```ts
   * import assert from "node:assert/strict";
   * import { channel, nursery, run } from "@copse/core";
   *
   * const [send, receive] = channel<number>(1);
   * const seen: number[] = [];
   * await run(() =>
   *   nursery(function* (n) {
   *     n.startSoon(function* () {
   *       for (let i = 1; i <= 3; i++) yield* send.send(i);
   *       send.close(); // receivers see the end once the buffer is empty
   *     });
   *     yield* receive.forEach((value) => {
   *       seen.push(value);
   *     });
   *   }),
   * );
   * assert.deepEqual(seen, [1, 2, 3]);
   * assert.equal(receive.closed, true);
   * ```
   *
   * @throws TypeError at the call if `fn` is not a function, and at the
   *   value if it returns something other than an operation or nothing.
   */
  forEach(fn: (value: T) => Operation<unknown> | void): Operation<void> {
    if (typeof fn !== "function") {
      throw new TypeError(`ReceiveEnd.forEach expects a function, got ${describeValue(fn)}`);
    }
    return consume(this, fn);
  }

  /**
   * `for await (const value of receive)` from plain async code: no task is
   * running there, so each wait is a promise (a value handed to it is
   * delivered). The loop ends when the channel does; leaving it in any way
   * (`break`, `return`, `throw`, or the end of the channel) closes this end.
   *
   * ```ts
   * import assert from "node:assert/strict";
   * import { channel } from "@copse/core";
   *
   * const [send, receive] = channel<string>(Infinity);
   * send.trySend("a");
   * send.trySend("b");
   * send.close();
   * const seen: string[] = [];
   * for await (const value of receive) seen.push(value);
   * assert.deepEqual(seen, ["a", "b"]);
   * assert.equal(receive.closed, true);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return new ReceiveIterator(this);
  }

  /**
   * Closes this end (idempotent; does not suspend). Tasks blocked receiving
   * through this very end get `ClosedResourceError`. When it was the last
   * open receive end, blocked senders get `BrokenResourceError` and the
   * values still buffered are dropped (nobody could receive them). Other
   * clones are not affected.
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    const state = this._state;
    ChannelState.failWaitersOf(state.receivers, this, () =>
      closedReceiveEnd("ReceiveEnd.receive()"),
    );
    if (--state.openReceiveEnds === 0) {
      state.buffer.clear();
      ChannelState.failAll(state.senders, () => brokenChannel("SendEnd.send()"));
    }
  }

  /**
   * Another receive end of the same channel: values are shared out among
   * the clones' receivers (each value goes to one). Closing one clone does
   * not close the others.
   *
   * @throws ClosedResourceError if this end is closed.
   */
  clone(): ReceiveEnd<T> {
    if (this._closed) throw closedReceiveEnd("ReceiveEnd.clone()");
    return new ReceiveEnd(this._state);
  }

  /** Debugging information about the channel (buffer, ends, waiters). */
  statistics(): ChannelStatistics {
    return this._state.statistics();
  }
}
