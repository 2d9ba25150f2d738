import { WaitQueue, type Waiter } from "../kernel/wait-queue.js";
import { RingBuffer } from "./ring-buffer.js";

/** What `statistics()` of either end reports about the channel. */
export interface ChannelStatistics {
  /** Values in the buffer now. */
  readonly buffered: number;
  /** The capacity the channel was made with (`0`, a positive integer, or `Infinity`). */
  readonly capacity: number;
  /** Send ends (clones included) not closed yet. */
  readonly openSendEnds: number;
  /** Receive ends (clones included) not closed yet. */
  readonly openReceiveEnds: number;
  /** Tasks blocked in `send` (over every clone). */
  readonly waitingSenders: number;
  /** Tasks (and `for await` loops) blocked in `receive` (over every clone). */
  readonly waitingReceivers: number;
}

/** A blocked send: the value it offers, and the send end it waits through. @internal */
export interface Sender extends Waiter {
  readonly value: unknown;
  readonly owner: unknown;
}

/** Returned by {@link ChannelState.take} when nothing can be taken without waiting. @internal */
export const NOTHING: unique symbol = Symbol("copse.nothing");

/**
 * What the ends of one channel share. Invariants: while receivers wait,
 * the buffer is empty and no sender waits; while senders wait, the buffer
 * is full (a receive takes the oldest buffered value and moves the first
 * waiting sender's value into the buffer, so order is kept).
 *
 * @internal
 */
export class ChannelState<T> {
  readonly buffer = new RingBuffer<T>();
  /** Blocked senders: each waiter's `value` is the value it offers, its `owner` its send end. */
  readonly senders = new WaitQueue<Sender>();
  /** Blocked receivers (tasks, or `for await` promises); each `owner` is its receive end. */
  readonly receivers = new WaitQueue<Waiter & { readonly owner: unknown }>();
  openSendEnds = 0;
  openReceiveEnds = 0;

  constructor(readonly capacity: number) {}

  /** Delivers `value` without waiting: to the first waiting receiver, or into the buffer. */
  offer(value: T): boolean {
    const receiver = this.receivers.shift();
    if (receiver !== null) {
      receiver.grant(value); // committed: the receiver gets it even if cancelled now
      return true;
    }
    if (this.buffer.length < this.capacity) {
      this.buffer.push(value);
      return true;
    }
    return false;
  }

  /** Takes the next value without waiting, or returns {@link NOTHING}. */
  take(): T | typeof NOTHING {
    const buffer = this.buffer;
    const sender = this.senders.shift();
    let value: T;
    if (buffer.length > 0) {
      value = buffer.shift();
      if (sender === null) return value;
      buffer.push(sender.value as T);
    } else if (sender !== null) {
      value = sender.value as T;
    } else {
      return NOTHING;
    }
    sender.grant(undefined); // committed: its value was taken, its send is done
    return value;
  }

  /** Removes the waiters of `queue` that wait through `end`, then fails each with `error()`. */
  static failWaitersOf(
    queue: WaitQueue<Waiter & { readonly owner: unknown }>,
    end: unknown,
    error: () => unknown,
  ): void {
    const removed: Waiter[] = [];
    for (let waiter = queue.first; waiter !== null;) {
      const next = waiter.nextWaiter as (Waiter & { readonly owner: unknown }) | null;
      if (waiter.owner === end) {
        queue.remove(waiter);
        removed.push(waiter);
      }
      waiter = next;
    }
    for (const waiter of removed) waiter.fail(error());
  }

  /** Removes every waiter of `queue`, then fails each with `error()`. */
  static failAll(queue: WaitQueue<Waiter>, error: () => unknown): void {
    const removed: Waiter[] = [];
    for (let waiter = queue.shift(); waiter !== null; waiter = queue.shift()) removed.push(waiter);
    for (const waiter of removed) waiter.fail(error());
  }

  statistics(): ChannelStatistics {
    return {
      buffered: this.buffer.length,
      capacity: this.capacity,
      openSendEnds: this.openSendEnds,
      openReceiveEnds: this.openReceiveEnds,
      waitingSenders: this.senders.size,
      waitingReceivers: this.receivers.size,
    };
  }
}
