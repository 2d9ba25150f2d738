import type { Clock } from "../kernel/clock.js";
import { Cancelled } from "../kernel/errors.js";
import { startRoot } from "../kernel/root.js";
import { Instruction } from "../kernel/operation.js";
import type { Blocker } from "../kernel/protocols.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { runMap, type MapExit, type MapSpec } from "./map-run.js";

/**
 * The consumer's wait in a `for await` run: after handing a result to the
 * loop, the worker that consumed it waits here until the loop asks for the
 * next one. One per loop, yielded for every result (nothing per item).
 */
class Handover extends Instruction<void> implements Blocker {
  private waiting: TaskImpl<unknown> | null = null;

  enter(task: TaskImpl<unknown>): void {
    // Resumed at the turn without a cancellation, it goes on as if the loop
    // had asked for the next result (the handover holds no value).
    if (task.blockOnce(this)) this.waiting = task;
  }

  abortWait(): void {
    this.waiting = null;
  }

  /** The loop asked for the next result. */
  resume(): void {
    const task = this.waiting;
    if (task === null) return;
    this.waiting = null;
    task.wake(undefined, true);
  }
}

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
  private readonly handover = new Handover();
  private finished = false;
  private failure: { error: unknown } | null = null;
  private readonly exit: MapExit = { closing: null };

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
    return new Promise((resolve, reject) => {
      this.resolveNext = resolve;
      this.rejectNext = reject;
      if (this.task === null) this.start();
      else this.handover.resume();
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
    // Hands one result to the loop, then waits until it asks again.
    const consume = (value: unknown): Handover => {
      const resolve = this.resolveNext!;
      this.resolveNext = this.rejectNext = null;
      resolve({ done: false, value: value as R });
      return this.handover;
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
