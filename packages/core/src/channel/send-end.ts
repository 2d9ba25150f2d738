import type { Operation } from "../kernel/operation.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { TaskWaiter, type WaitQueue, type Waiter } from "../kernel/wait-queue.js";
import { MUST_WAIT, WaitInstruction } from "../sync/waiting.js";
import { brokenChannel, closedSendEnd, endOfChannel } from "./errors.js";
import { ChannelState, type ChannelStatistics, type Sender } from "./state.js";

/**
 * One `send(value)`: the instruction carries the value, and is also the
 * waiter of the task it blocks (one object per send, fast path or not).
 * The same operation sent twice at once gets a second waiter.
 */
class Send<T> extends WaitInstruction<void> implements Sender {
  queue: WaitQueue<Waiter> | null = null;
  prevWaiter: Waiter | null = null;
  nextWaiter: Waiter | null = null;
  private task: TaskImpl<unknown> | null = null;

  constructor(
    readonly owner: SendEnd<T>,
    readonly value: T,
  ) {
    super();
  }

  grant(): void {
    const task = this.task!;
    this.task = null;
    task.wake(undefined, false);
  }

  wakeUp(): void {
    const task = this.task!;
    this.task = null;
    task.wake(undefined, true);
  }

  fail(error: unknown): void {
    const task = this.task!;
    this.task = null;
    task.wakeThrowing(error, true);
  }

  abortWait(): void {
    this.task = null;
    this.queue?.remove(this);
  }

  protected check(): void {
    if (this.owner._closed) throw closedSendEnd("SendEnd.send()");
  }

  protected now(): undefined | typeof MUST_WAIT {
    const state = this.owner._state;
    if (state.openReceiveEnds === 0) throw brokenChannel("SendEnd.send()");
    return state.offer(this.value) ? undefined : MUST_WAIT;
  }

  protected park(task: TaskImpl<unknown>): void {
    const senders = this.owner._state.senders;
    if (this.queue === null) {
      this.task = task;
      task.block(this);
      senders.push(this);
    } else {
      // The same operation is already waiting in another task.
      const waiter = new TaskWaiter(task, this.value, this.owner);
      task.block(waiter);
      senders.push(waiter);
    }
  }
}

/**
 * The sending end of a {@link channel}. Any number of tasks may send
 * through one end at once; `clone()` makes more ends for more producers,
 * and receivers see the end of the channel once every clone is closed.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClosedResourceError, channel, nursery, run } from "@copse/core";
 *
 * const [send, receive] = channel<string>(1);
 * const got = await run(() =>
 *   nursery(function* (n) {
 *     for (const name of ["a", "b"]) {
 *       const mine = send.clone(); // one clone per producer
 *       n.startSoon(function* () {
 *         yield* mine.send(name);
 *         mine.close();
 *       });
 *     }
 *     send.close(); // the clones keep the channel open
 *     const values: string[] = [];
 *     yield* receive.forEach((value) => {
 *       values.push(value);
 *     }); // ends once both clones are closed
 *     return values;
 *   }),
 * );
 * assert.deepEqual(got, ["a", "b"]);
 * assert.throws(() => send.trySend("late"), ClosedResourceError); // this end is closed
 * ```
 */
export class SendEnd<T> {
  /** @internal */
  readonly _state: ChannelState<T>;
  /** @internal */
  _closed = false;

  /** @internal Ends are made by `channel()` and `clone()`. */
  constructor(state: ChannelState<T>) {
    this._state = state;
    state.openSendEnds++;
  }

  /** Whether this end was closed. */
  get closed(): boolean {
    return this._closed;
  }

  /**
   * Sends `value`, waiting while the channel is full.
   *
   * - A receiver waiting, or room in the buffer: delivers without
   *   suspending (no schedule point, no turn, no promise), also during an
   *   eager first step. With capacity 0 only a waiting receiver makes room.
   * - Full: suspends until a receiver takes the value; a cancellation point
   *   while waiting. A send cancelled while it waits never delivers its
   *   value. Once a receiver has taken the value, the send is done: it
   *   returns normally even if its task is cancelled before it runs again.
   * - Inside an effectively cancelled scope: yields and throws `Cancelled`
   *   without sending.
   *
   * @throws ClosedResourceError at the `yield*` if this end is closed (also
   *   when it is closed while the send waits); BrokenResourceError if every
   *   receive end is closed (also when that happens while it waits).
   */
  send(value: T): Operation<void> {
    return new Send(this, value);
  }

  /**
   * Delivers `value` if that needs no waiting (a receiver waits, or the
   * buffer has room); returns whether it did. Never suspends and is not a
   * cancellation point; may be called from anywhere. A receiver it hands
   * the value to becomes ready and runs at a later turn, never on the
   * caller's stack.
   *
   * @throws ClosedResourceError if this end is closed; BrokenResourceError
   *   if every receive end is closed.
   */
  trySend(value: T): boolean {
    if (this._closed) throw closedSendEnd("SendEnd.trySend()");
    const state = this._state;
    if (state.openReceiveEnds === 0) throw brokenChannel("SendEnd.trySend()");
    return state.offer(value);
  }

  /**
   * Closes this end (idempotent; does not suspend). Tasks blocked sending
   * through this very end get `ClosedResourceError`. When it was the last
   * open send end, receivers get `EndOfChannel` once the buffer is empty —
   * at once for those already waiting. Other clones are not affected.
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    const state = this._state;
    ChannelState.failWaitersOf(state.senders, this, () => closedSendEnd("SendEnd.send()"));
    if (--state.openSendEnds === 0) {
      // Receivers wait only while the buffer is empty: nothing is left for them.
      ChannelState.failAll(state.receivers, () => endOfChannel("ReceiveEnd.receive()"));
    }
  }

  /**
   * Another send end of the same channel. Closing one clone does not close
   * the others; the channel's sending side is closed when all are.
   *
   * @throws ClosedResourceError if this end is closed.
   */
  clone(): SendEnd<T> {
    if (this._closed) throw closedSendEnd("SendEnd.clone()");
    return new SendEnd(this._state);
  }

  /** Debugging information about the channel (buffer, ends, waiters). */
  statistics(): ChannelStatistics {
    return this._state.statistics();
  }
}
