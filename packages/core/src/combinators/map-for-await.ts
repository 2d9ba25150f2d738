import type { Clock } from "../kernel/clock.js";
import { Cancelled } from "../kernel/errors.js";
import { startRoot } from "../kernel/root.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { action } from "../primitives/action.js";
import { runMap, type MapExit, type MapSpec } from "./map-run.js";

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
  pending: {
    resolve: (r: IteratorResult<R>) => void;
    reject: (e: unknown) => void;
  } | null = null;
  resumeProducer: (() => void) | null = null;
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
      this.pending = { resolve, reject };
      if (this.task === null) this.start();
      else this.resumeProducer?.();
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
    const consume = (value: unknown) => handOver(this, value as R);
    const task = startRoot(() => runMap(spec, consume, this.exit), {
      clock: this.clock,
      name: "mapConcurrent",
    });
    this.task = task;
    task.then(
      () => {
        this.finished = true;
        this.pending?.resolve({ done: true, value: undefined });
        this.pending = null;
      },
      (error: unknown) => {
        this.finished = true;
        const pending = this.pending;
        this.pending = null;
        if (pending !== null) pending.reject(error);
        else this.failure = { error };
      },
    );
  }
}

/** The consumer of the `for await` run: hands one result over, then waits to be asked again. */
function* handOver<R>(consumer: ResultIterator<R>, value: R): Generator<unknown, void> {
  const pending = consumer.pending!;
  consumer.pending = null;
  yield* action<void>((resolve) => {
    consumer.resumeProducer = resolve;
    pending.resolve({ done: false, value });
    return () => {
      consumer.resumeProducer = null;
    };
  });
}
