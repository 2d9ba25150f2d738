// Retry helpers: one that lets cancellation through, and one that "catches
// everything and retries" — which swallows Cancelled. Checked by the
// cancellation-safety kit in examples/test/retry.test.ts.
import { Cancelled, sleep, type Operation } from "@copse/core";

/** Options of {@link retry}. */
export interface RetryOptions {
  /** How many attempts in all (at least 1). */
  attempts: number;
  /** The wait before attempt n+1 is `backoff * n` ms. */
  backoff: number;
}

/** What {@link retry} throws when every attempt failed. */
export class RetryError extends Error {
  constructor(
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(`gave up after ${attempts} attempts`);
    this.name = "RetryError";
  }
}

/**
 * Runs `op` until it succeeds, at most `attempts` times, backing off
 * between attempts. `Cancelled` is not a failure: it goes straight out.
 */
export function* retry<T>(op: () => Operation<T>, options: RetryOptions): Operation<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      if (attempt > 1) yield* sleep(options.backoff * (attempt - 1));
      return yield* op();
    } catch (error) {
      if (error instanceof Cancelled) throw error;
      lastError = error;
    }
  }
  throw new RetryError(options.attempts, lastError);
}

/**
 * **Planted bug.** The same helper, but every error counts as a failed
 * attempt — `Cancelled` included. Cancelled during an attempt, it retries;
 * every retry's backoff is cancelled at once too (cancellation is
 * level-triggered), so it burns through its attempts in no time and throws
 * {@link RetryError}: the caller's cancellation has become an error.
 */
export function* retryCatchingEverything<T>(
  op: () => Operation<T>,
  options: RetryOptions,
): Operation<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      if (attempt > 1) yield* sleep(options.backoff * (attempt - 1));
      return yield* op();
    } catch (error) {
      lastError = error;
    }
  }
  throw new RetryError(options.attempts, lastError);
}

/** A service that fails its first `failures` calls; each call takes `latency` ms. */
export class FlakyService {
  calls = 0;

  constructor(
    private readonly failures: number,
    private readonly latency: number,
  ) {}

  *call(): Operation<string> {
    this.calls++;
    yield* sleep(this.latency);
    if (this.calls <= this.failures) throw new Error(`call ${this.calls} failed`);
    return `answer to call ${this.calls}`;
  }
}
