// A small connection pool, cancellation-safe, and a copy with a planted
// leak — checked by the cancellation-safety kit in examples/test/pool.test.ts.
import { action, Cancelled, type Operation } from "@copse/core";

/** What a pool tells its observer (tests use it to count checkouts and returns). */
export interface PoolHooks<C> {
  /** A connection was handed to a caller of `acquire`. */
  checkout?(conn: C): void;
  /** A connection came back through `release`. */
  checkin?(conn: C): void;
}

interface Waiter<C> {
  /** Set by `release` when it hands this waiter a connection. */
  conn: C | undefined;
  wake: (conn: C) => void;
}

/**
 * A fixed set of connections shared by many tasks. `acquire` takes an idle
 * connection or waits (first come, first served) for one to be released;
 * `release` hands the connection to the longest waiter or puts it back.
 */
export class Pool<C> {
  protected readonly idle: C[];
  protected readonly waiters: Waiter<C>[] = [];

  constructor(
    connections: Iterable<C>,
    protected readonly hooks: PoolHooks<C> = {},
  ) {
    this.idle = [...connections];
  }

  /** Idle connections. */
  get available(): number {
    return this.idle.length;
  }

  /** Tasks waiting in `acquire`. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Takes a connection, waiting for one if none is idle. Cancellation-safe:
   * cancelled while waiting, the caller leaves the queue; cancelled after
   * `release` handed it a connection but before it resumed, it hands that
   * connection on instead of losing it.
   */
  *acquire(): Operation<C> {
    const conn = this.idle.shift();
    if (conn !== undefined) {
      this.hooks.checkout?.(conn);
      return conn;
    }
    const waiter: Waiter<C> = { conn: undefined, wake: () => {} };
    try {
      return yield* this.wait(waiter);
    } catch (error) {
      if (waiter.conn !== undefined) this.release(waiter.conn); // handed over, never used
      throw error;
    }
  }

  /** Returns a connection: to the longest waiter, or to the idle list. */
  release(conn: C): void {
    this.hooks.checkin?.(conn);
    const next = this.waiters.shift();
    if (next === undefined) {
      this.idle.push(conn);
      return;
    }
    next.conn = conn;
    this.hooks.checkout?.(conn);
    next.wake(conn);
  }

  /** Runs `fn` with a connection and always gives it back. */
  *use<T>(fn: (conn: C) => Operation<T>): Operation<T> {
    const conn = yield* this.acquire();
    try {
      return yield* fn(conn);
    } finally {
      this.release(conn);
    }
  }

  /** Queues `waiter` and suspends until `release` wakes it; leaves the queue on cancellation. */
  protected wait(waiter: Waiter<C>): Operation<C> {
    return action<C>((resolve) => {
      waiter.wake = resolve;
      this.waiters.push(waiter);
      return () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      };
    });
  }
}

/**
 * **Planted leak.** The same pool, but `acquire` forgets the window between
 * `release` handing it a connection and the waiting task resuming: if the
 * task is cancelled in that window, `Cancelled` replaces the connection and
 * nobody ever returns it.
 */
export class LeakyPool<C> extends Pool<C> {
  override *acquire(): Operation<C> {
    const conn = this.idle.shift();
    if (conn !== undefined) {
      this.hooks.checkout?.(conn);
      return conn;
    }
    return yield* this.wait({ conn: undefined, wake: () => {} });
  }
}

/** Re-exported for tests that tell the cancellation apart. */
export { Cancelled };
