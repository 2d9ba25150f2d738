import type { Clock } from "../kernel/clock.js";
import { Cancelled } from "../kernel/errors.js";
import { startRoot } from "../kernel/root.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { HOLD, runMap, type MapExit, type MapSpec } from "./map-run.js";

/**
 * `for await` over the results of a bounded map: a run of its own (on
 * `clock`) whose consumer hands each result to the loop and waits until
 * the loop asks for the next one. Leaving the loop cancels the run and
 * waits for it, and for the source's `return()`.
 *
 * @internal
 */
export class ResultIterator<R> implements AsyncIterator<R> {
  private task: TaskImpl<void> | null = null;
  /** The promise of the loop's pending `next()`. */
  private resolveNext: ((r: IteratorResult<R>) => void) | null = null;
  private rejectNext: ((e: unknown) => void) | null = null;
  /** A result consumed inside `next()`, before it made its promise. */
  private ready: IteratorResult<R> | null = null;
  private finished = false;
  private failure: { error: unknown } | null = null;
  private readonly exit: MapExit = { closing: null, run: null };

  constructor(
    private readonly spec: MapSpec<unknown, unknown>,
    private readonly clock: Clock,
  ) {}

  next(): Promise<IteratorResult<R>> {
    const failure = this.failure;
    if (failure !== null) {
      this.failure = null;
      return Promise.reject(failure.error);
    }
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    // The loop is done with the result it holds: the run goes on now,
    // inside this call, so a result that was waiting (or a mapping that
    // completes at once) is returned as a resolved promise.
    try {
      if (this.task === null) this.start();
      else this.exit.run!.releaseHolder();
    } catch (error) {
      return Promise.reject(error);
    }
    const ready = this.ready;
    if (ready !== null) {
      this.ready = null;
      return Promise.resolve(ready);
    }
    return new Promise((resolve, reject) => {
      this.resolveNext = resolve;
      this.rejectNext = reject;
    });
  }

  async return(): Promise<IteratorResult<R>> {
    this.finished = true;
    const task = this.task;
    if (task !== null && !task.done) {
      task.cancel("the for-await loop was left");
      await task.then(
        () => undefined,
        () => undefined,
      );
      // An error of the cleanup itself (a mapping's `finally`) is not lost.
      const outcome = task.outcome;
      if (outcome?.status === "error" && !(outcome.error instanceof Cancelled)) {
        this.failure = null;
        throw outcome.error;
      }
    }
    // Like a native `for await`: leaving it waits for the source to close.
    if (this.exit.closing !== null) await this.exit.closing;
    return { done: true, value: undefined };
  }

  private start(): void {
    const spec = this.spec;
    // Hands one result to the loop and holds its worker until the loop asks again.
    const consume = (value: unknown): typeof HOLD => {
      const result: IteratorResult<R> = { done: false, value: value as R };
      const resolve = this.resolveNext;
      if (resolve === null) {
        this.ready = result; // inside `next()`
      } else {
        this.resolveNext = this.rejectNext = null;
        resolve(result);
      }
      return HOLD;
    };
    const task = startRoot(() => runMap(spec, consume, this.exit), {
      clock: this.clock,
      name: "mapConcurrent",
    });
    this.task = task;
    task.then(
      () => {
        this.finished = true;
        const resolve = this.resolveNext;
        this.resolveNext = this.rejectNext = null;
        resolve?.({ done: true, value: undefined });
      },
      (error: unknown) => {
        this.finished = true;
        const reject = this.rejectNext;
        this.resolveNext = this.rejectNext = null;
        if (reject !== null) reject(error);
        else this.failure = { error };
      },
    );
  }
}
