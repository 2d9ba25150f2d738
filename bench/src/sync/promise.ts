/**
 * A minimal hand-written promise channel, mutex and semaphore, used from
 * async functions: each wait is a promise (resolved at once when nothing
 * has to wait), each `await` a microtask.
 */
import { shareOf, type Critical, type SyncImpl } from "./work.js";

const RESOLVED = Promise.resolve();

/** A FIFO of waiting callbacks or values, without `Array.shift`'s copying. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

class PromiseChannel<T> {
  private readonly buffer = new Fifo<T>();
  private readonly receivers = new Fifo<(value: T) => void>();
  private readonly senders = new Fifo<{ value: T; resolve: () => void }>();
  constructor(private readonly capacity: number) {}

  send(value: T): Promise<void> {
    const receiver = this.receivers.shift();
    if (receiver !== undefined) {
      receiver(value);
      return RESOLVED;
    }
    if (this.buffer.length < this.capacity) {
      this.buffer.push(value);
      return RESOLVED;
    }
    return new Promise((resolve) => this.senders.push({ value, resolve }));
  }

  receive(): Promise<T> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift()!;
      const sender = this.senders.shift();
      if (sender !== undefined) {
        this.buffer.push(sender.value);
        sender.resolve();
      }
      return Promise.resolve(value);
    }
    const sender = this.senders.shift();
    if (sender !== undefined) {
      sender.resolve();
      return Promise.resolve(sender.value);
    }
    return new Promise((resolve) => this.receivers.push(resolve));
  }
}

class PromiseSemaphore {
  private readonly waiters = new Fifo<() => void>();
  constructor(private value: number) {}

  acquire(): Promise<void> {
    if (this.value > 0) {
      this.value--;
      return RESOLVED;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next();
    else this.value++;
  }
}

async function sections(guard: PromiseSemaphore, count: number, critical: Critical): Promise<void> {
  for (let i = 0; i < count; i++) {
    await guard.acquire();
    critical.enter();
    if (critical.yields) await RESOLVED;
    critical.leave();
    guard.release();
  }
}

async function share(permits: number, n: number, tasks: number, critical: Critical): Promise<void> {
  const guard = new PromiseSemaphore(permits); // a mutex when permits is 1
  const all: Promise<void>[] = [];
  for (let t = 0; t < tasks; t++) all.push(sections(guard, shareOf(n, tasks, t), critical));
  await Promise.all(all);
}

export const impl: SyncImpl = {
  channel: async (n, capacity) => {
    const ch = new PromiseChannel<number>(capacity);
    const producer = (async () => {
      for (let i = 0; i < n; i++) await ch.send(i);
    })();
    let sum = 0;
    for (let i = 0; i < n; i++) sum += await ch.receive();
    await producer;
    return sum;
  },
  lock: (n, tasks, critical) => share(1, n, tasks, critical),
  semaphore: (n, tasks, permits, critical) => share(permits, n, tasks, critical),
};
