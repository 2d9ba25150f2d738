import type { Operation } from "../kernel/operation.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { TaskWaiter } from "../kernel/wait-queue.js";
import { WaitInstruction, cancelledCheckpoint } from "../sync/waiting.js";
import { brokenChannel, closedSendEnd, endOfChannel } from "./errors.js";
import { ChannelState, type ChannelStatistics } from "./state.js";

/** One `send(value)`: the instruction carries the value. */
class Send<T> extends WaitInstruction<void> {
  constructor(
    private readonly end: SendEnd<T>,
    private readonly value: T,
  ) {
    super();
  }

  enter(task: TaskImpl<unknown>): void {
    const end = this.end;
    if (end._closed) throw closedSendEnd("SendEnd.send()");
    if (cancelledCheckpoint(task)) return;
    const state = end._state;
    if (state.openReceiveEnds === 0) throw brokenChannel("SendEnd.send()");
    if (state.offer(this.value)) {
      task.resumeSync(undefined);
      return;
    }
    const waiter = new TaskWaiter(task, this.value, end);
    task.block(waiter);
    state.senders.push(waiter);
  }
}

/**
 * The sending end of a {@link channel}. Any number of tasks may send
 * through one end at once; `clone()` makes more ends for more producers,
 * and receivers see the end of the channel once every clone is closed.
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
