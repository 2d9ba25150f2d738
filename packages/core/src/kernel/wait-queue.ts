import type { Blocker } from "./protocols.js";
import type { TaskImpl } from "./task-impl.js";

/**
 * One party waiting in a {@link WaitQueue}: a blocked task, or a promise
 * (`for await` from plain async code). A waiter is its own queue node (a
 * blocked send is the waiter itself), so waiting allocates at most one
 * object, and it knows its queue, so a cancelled waiter leaves it at once
 * and in O(1) (Trio's ParkingLot).
 *
 * How a wait ends says whether the waiter can still be cancelled:
 * - `grant(value)`: a hand-over (a value received, a value taken from a
 *   sender, a lock, permit or token given). It is committed: a task woken
 *   this way gets `value` even if its scope is cancelled before it runs,
 *   so nothing handed over is lost;
 * - `wakeUp()` and `fail(error)`: the waiter is told about a state (an
 *   event was set, a channel closed). A cancellation point, like any
 *   resumption: nothing is lost, because the state stays as it is.
 *
 * @internal
 */
export interface Waiter extends Blocker {
  /** The queue it waits in; null once it was served or removed. */
  queue: WaitQueue<Waiter> | null;
  prevWaiter: Waiter | null;
  nextWaiter: Waiter | null;
  /** Ends the wait with a hand-over of `value` (committed, not a cancellation point). */
  grant(value: unknown): void;
  /** Ends the wait with nothing handed over (a cancellation point). */
  wakeUp(): void;
  /** Ends the wait with `error` thrown at the waiter (a cancellation point). */
  fail(error: unknown): void;
}

/**
 * A task blocked in a {@link WaitQueue}, and the {@link Blocker} of its wait
 * (a waiter leaves its queue when cancellation wakes the task).
 * `value` is what the task brings (the value a sender offers, the borrower
 * a limiter token is for); `owner` is whatever the queue's primitive files
 * it under (the channel end it waits through).
 *
 * @internal
 */
export class TaskWaiter implements Waiter {
  queue: WaitQueue<Waiter> | null = null;
  prevWaiter: Waiter | null = null;
  nextWaiter: Waiter | null = null;

  constructor(
    readonly task: TaskImpl<unknown>,
    readonly value: unknown,
    readonly owner: unknown,
  ) {}

  /** Cancellation woke the task: leave the queue, so nobody serves it. */
  abortWait(): void {
    this.queue?.remove(this);
  }

  grant(value: unknown): void {
    this.task.wake(value, false);
  }

  wakeUp(): void {
    this.task.wake(undefined, true);
  }

  fail(error: unknown): void {
    this.task.wakeThrowing(error, true);
  }
}

/**
 * A FIFO of waiters: an intrusive doubly linked list, so pushing, serving
 * the first and removing any waiter (a cancelled one) are O(1) and allocate
 * nothing beyond the waiter itself.
 *
 * @internal
 */
export class WaitQueue<W extends Waiter> {
  private head: W | null = null;
  private tail: W | null = null;
  private count = 0;

  /** How many are waiting. */
  get size(): number {
    return this.count;
  }

  /** The longest waiter, or null. Walk on with `nextWaiter`. */
  get first(): W | null {
    return this.head;
  }

  push(waiter: W): void {
    waiter.queue = this as unknown as WaitQueue<Waiter>;
    waiter.nextWaiter = null;
    const tail = this.tail;
    waiter.prevWaiter = tail;
    if (tail !== null) tail.nextWaiter = waiter;
    else this.head = waiter;
    this.tail = waiter;
    this.count++;
  }

  /** Takes the longest waiter off the queue, or returns null. */
  shift(): W | null {
    const waiter = this.head;
    if (waiter !== null) this.remove(waiter);
    return waiter;
  }

  /** Takes `waiter` off the queue (it must be in this queue). */
  remove(waiter: W): void {
    const prev = waiter.prevWaiter as W | null;
    const next = waiter.nextWaiter as W | null;
    if (prev !== null) prev.nextWaiter = next;
    else this.head = next;
    if (next !== null) next.prevWaiter = prev;
    else this.tail = prev;
    waiter.prevWaiter = waiter.nextWaiter = null;
    waiter.queue = null;
    this.count--;
  }
}
