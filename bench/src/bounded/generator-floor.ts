/**
 * The floor of copse's operation shape, without copse: `LIMIT` generator
 * workers that each loop on the shared iterator and `yield*` a generator
 * mapping, which `yield*`s a one-shot wait object for the promise; a
 * 30-line driver steps each worker and resumes it from the promise's
 * callbacks (one pair of bound callbacks per worker, nothing else per
 * item). No scopes, no cancellation, no run queue: what a mapping costs
 * when it is a generator delegating to a promise wait, next to the
 * worker pool's one `await`.
 */
import { LIMIT, awaited, items, type BoundedImpl, type Workload } from "./work.js";

/** A promise to wait for: yields itself once, then returns what it is resumed with. */
class Wait<T> {
  private yielded = false;

  constructor(readonly promise: Promise<T>) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<this, T> {
    if (this.yielded) return { done: true, value: value as T };
    this.yielded = true;
    return { done: false, value: this };
  }
}

type Step = Generator<Wait<unknown>, void, unknown>;

function* mapping(workload: Workload, i: number): Generator<Wait<unknown>, number, unknown> {
  return yield* new Wait(awaited(workload, i));
}

class Driver {
  private readonly fulfilled = (value: unknown): void => this.step(value, false);
  private readonly rejected = (error: unknown): void => this.step(error, true);

  constructor(
    private readonly worker: Step,
    private readonly done: (error?: unknown) => void,
  ) {}

  step(value: unknown, failed: boolean): void {
    let r: IteratorResult<Wait<unknown>, void>;
    try {
      r = failed ? this.worker.throw(value) : this.worker.next(value);
    } catch (error) {
      this.done(error);
      return;
    }
    if (r.done === true) this.done();
    else r.value.promise.then(this.fulfilled, this.rejected);
  }
}

export const impl: BoundedImpl = {
  run(n, workload) {
    const source = items(n);
    let sum = 0;
    function* worker(): Step {
      for (let s = source.next(); s.done !== true; s = source.next()) {
        // Not `sum += yield* …`: that reads `sum` before the worker suspends.
        const v = yield* mapping(workload, s.value);
        sum += v;
      }
    }
    return new Promise<number>((resolve, reject) => {
      let running = LIMIT;
      const done = (error?: unknown): void => {
        if (error !== undefined) reject(error);
        else if (--running === 0) resolve(sum);
      };
      for (let i = 0; i < LIMIT; i++) new Driver(worker(), done).step(undefined, false);
    });
  },
};
