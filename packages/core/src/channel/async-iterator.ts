import type { Waiter, WaitQueue } from "../kernel/wait-queue.js";
import { EndOfChannel, closedReceiveEnd } from "./errors.js";
import type { ReceiveEnd } from "./receive-end.js";
import { NOTHING } from "./state.js";

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** A `next()` of a `for await` loop waiting for a value: a promise instead of a task. */
class PromiseReceiver<T> implements Waiter {
  queue: WaitQueue<Waiter> | null = null;
  prevWaiter: Waiter | null = null;
  nextWaiter: Waiter | null = null;

  constructor(
    readonly owner: ReceiveEnd<T>,
    readonly iterator: ReceiveIterator<T>,
    private readonly resolve: (result: IteratorResult<T, undefined>) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  /** Never blocked as a task: only its iterator or the channel removes it. */
  abortWait(): void {
    this.queue?.remove(this);
  }

  grant(value: unknown): void {
    this.resolve({ done: false, value: value as T });
  }

  wakeUp(): void {
    this.resolve(DONE);
  }

  fail(error: unknown): void {
    if (error instanceof EndOfChannel) {
      this.iterator.finish();
      this.resolve(DONE);
    } else {
      this.reject(error);
    }
  }
}

/**
 * `for await` over a receive end. The loop ends at the end of the channel;
 * `return()` (a `break`, `return` or `throw` in the loop) closes the end.
 *
 * @internal
 */
export class ReceiveIterator<T> implements AsyncIterator<T, undefined> {
  private finished = false;

  constructor(private readonly end: ReceiveEnd<T>) {}

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.finished) return Promise.resolve(DONE);
    const end = this.end;
    if (end._closed) return Promise.reject(closedReceiveEnd("ReceiveEnd[Symbol.asyncIterator]"));
    const state = end._state;
    const value = state.take();
    if (value !== NOTHING) return Promise.resolve({ done: false, value });
    if (state.openSendEnds === 0) {
      this.finish();
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => {
      state.receivers.push(new PromiseReceiver(end, this, resolve, reject));
    });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  /** Ends the loop: its own pending `next()` calls resolve as done, and the end is closed. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const receivers = this.end._state.receivers;
    for (let waiter = receivers.first; waiter !== null;) {
      const next = waiter.nextWaiter as typeof waiter | null;
      if (waiter instanceof PromiseReceiver && waiter.iterator === this) {
        receivers.remove(waiter);
        waiter.wakeUp();
      }
      waiter = next;
    }
    this.end.close();
  }
}
