import { CancelScope, NONE, enterScope, exitScope } from "../kernel/cancel-scope.js";
import { requireCurrent } from "../kernel/current.js";
import { describeValue } from "../kernel/describe.js";
import { startEagerly } from "../kernel/eager.js";
import { Cancelled } from "../kernel/errors.js";
import { TaskGroup } from "../kernel/group.js";
import { Instruction, isGenerator, type Operation } from "../kernel/operation.js";
import type { Blocker } from "../kernel/protocols.js";
import type { TaskImpl } from "../kernel/task-impl.js";
import { until } from "../primitives/call.js";

/** What one consumption of a bounded map is made of (checked by `mapConcurrent`). @internal */
export interface MapSpec<T, R> {
  readonly source: Iterable<T> | AsyncIterable<T>;
  readonly fn: (item: T, index: number) => Operation<R>;
  readonly limit: number;
  readonly ordered: boolean;
  readonly settle: boolean;
}

/**
 * What a consumer returns for a result that it keeps for a while (a
 * `for await` loop between two `next()` calls): the worker waits, holding
 * its slot, until the consumer calls `MapRun.releaseHolder`. A consumer
 * that returns it returns it for every result.
 *
 * @internal
 */
export const HOLD: unique symbol = Symbol("hold");

/** A result handed to the consumer: the mapped value, or a settled record. */
type Consume = (value: unknown) => Operation<unknown> | void | typeof HOLD;

// What a worker waits for when it suspends on itself.
const NOTHING = 0;
/** Its result is parked until the consumer takes it (its slot stays taken). */
const PARKED = 1;
/** Another worker is pulling from an async source; it waits for its turn. */
const PULL = 2;
/** The consumer keeps its result (`HOLD`) until `releaseHolder`; its slot stays taken. */
const HOLDING = 3;

/**
 * One of the at most `limit` tasks of a run. A worker loops: pull an item,
 * map it inline (`yield*`, in the worker's own task), hand the result to
 * the consumer, pull again. So a mapping that completes without suspending
 * frees its slot at once: the same worker goes on to the next item in the
 * same step, with no task created and no run-queue turn.
 *
 * The worker is also the instruction it suspends on and the blocker that a
 * cancellation unregisters (one object per worker, nothing per wait).
 */
class Worker extends Instruction<void> implements Blocker {
  task!: TaskImpl<unknown>;
  waitingFor = NOTHING;
  /** Its parked result and the input index it belongs to. */
  value: unknown = undefined;
  index = 0;
  /** Handed the turn to pull from an async source (see `passPull`). */
  hasTurn = false;
  /** Next worker in the parked queue or the pull queue. */
  after: Worker | null = null;

  constructor(readonly run: MapRun<unknown, unknown>) {
    super();
  }

  enter(task: TaskImpl<unknown>): void {
    // Listed before the yield; if the task is already cancelled it only
    // yields and gets `Cancelled` on resumption, so it must leave its list.
    if (!task.blockOnce(this)) this.run.unlist(this);
  }

  abortWait(): void {
    this.run.unlist(this);
  }
}

/** The state that one consumption shares with its workers. @internal */
export class MapRun<T, R> {
  readonly iterator: Iterator<T> | AsyncIterator<T>;
  readonly async: boolean;
  readonly fn: (item: T, index: number) => Operation<R>;
  readonly limit: number;
  readonly ordered: boolean;
  readonly settle: boolean;
  readonly group = new TaskGroup(false);
  /** Items pulled so far: the index of the next one. */
  pulled = 0;
  /** Results consumed so far: in order, the index of the next to consume. */
  delivered = 0;
  workers = 0;
  /** The source said done, or failed: it is never pulled or closed again. */
  sourceDone = false;
  /** A worker is consuming a result: the others park theirs. */
  consuming = false;
  /** A worker is waiting for an async source's `next()`. */
  pulling = false;
  /** Parked results in completion order (FIFO), or by `index % limit` when ordered. */
  private firstParked: Worker | null = null;
  private lastParked: Worker | null = null;
  /**
   * In order: parked workers by `index % window.length`. Every parked index
   * lies within `limit` of `delivered`, so a window of `limit` slots never
   * collides; it starts small and doubles up to that as results wait.
   */
  private window: (Worker | null)[] | null;
  private firstPuller: Worker | null = null;
  private lastPuller: Worker | null = null;
  /** The worker whose result the consumer holds (`HOLD`). */
  private holder: Worker | null = null;

  constructor(
    spec: MapSpec<T, R>,
    readonly consume: Consume,
  ) {
    const source = spec.source;
    this.async = typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === "function";
    this.iterator = this.async
      ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]();
    this.fn = spec.fn;
    this.limit = spec.limit;
    this.ordered = spec.ordered;
    this.settle = spec.settle;
    this.window = spec.ordered
      ? new Array<Worker | null>(Math.min(spec.limit, 16)).fill(null)
      : null;
  }

  /** Starts one more worker, eagerly: its first step runs now. */
  startWorker(): TaskImpl<unknown> {
    const worker = new Worker(this as MapRun<unknown, unknown>);
    this.workers++;
    const task = this.group.spawn(work(worker), "mapConcurrent worker");
    worker.task = task;
    startEagerly(task);
    return task;
  }

  /** Whether the result of `index` may be consumed now. */
  mayConsume(index: number): boolean {
    if (this.consuming) return false;
    return this.ordered ? index === this.delivered : this.firstParked === null;
  }

  park(worker: Worker, value: unknown, index: number): void {
    worker.value = value;
    worker.index = index;
    worker.waitingFor = PARKED;
    let window = this.window;
    if (window !== null) {
      while (index - this.delivered >= window.length) window = this.growWindow(window);
      window[index % window.length] = worker;
      return;
    }
    if (this.lastParked === null) this.firstParked = worker;
    else this.lastParked.after = worker;
    this.lastParked = worker;
  }

  /** Whether any result is parked. */
  get hasParked(): boolean {
    return this.window !== null
      ? this.window[this.delivered % this.window.length] !== null
      : this.firstParked !== null;
  }

  /** The parked worker whose result is next to consume, taken off its list; or null. */
  takeParked(): Worker | null {
    let worker: Worker | null;
    const window = this.window;
    if (window !== null) {
      const slot = this.delivered % window.length;
      worker = window[slot]!;
      if (worker === null) return null;
      window[slot] = null;
    } else {
      worker = this.firstParked;
      if (worker === null) return null;
      this.firstParked = worker.after;
      if (this.firstParked === null) this.lastParked = null;
      worker.after = null;
    }
    worker.waitingFor = NOTHING;
    return worker;
  }

  private growWindow(window: (Worker | null)[]): (Worker | null)[] {
    const grown = new Array<Worker | null>(Math.min(this.limit, window.length * 2)).fill(null);
    for (const worker of window) if (worker !== null) grown[worker.index % grown.length] = worker;
    return (this.window = grown);
  }

  /** `worker`'s result was consumed with `HOLD`: it waits until `releaseHolder`. */
  hold(worker: Worker): void {
    worker.waitingFor = HOLDING;
    this.holder = worker;
  }

  /**
   * A consumer that holds results (`HOLD`) is done with the one it holds
   * and wants the next: the next parked result, if there is one, goes to
   * it at once (its worker becomes the holder, without a step of its own),
   * and the last holder goes on, now, on the caller's stack. With none
   * parked, the next result to finish is consumed when it finishes.
   */
  releaseHolder(): void {
    const holder = this.holder;
    if (holder === null) return;
    this.holder = null;
    holder.waitingFor = NOTHING;
    const parked = this.takeParked();
    if (parked === null) {
      this.consuming = false;
    } else {
      const value = parked.value;
      parked.value = undefined;
      this.delivered++;
      this.consume(value);
      this.hold(parked);
    }
    release(holder, true); // called from outside the run: it goes on now
  }

  queuePuller(worker: Worker): void {
    worker.waitingFor = PULL;
    if (this.lastPuller === null) this.firstPuller = worker;
    else this.lastPuller.after = worker;
    this.lastPuller = worker;
  }

  /** Whether a worker waits for its turn to pull. */
  get pullersWaiting(): boolean {
    return this.firstPuller !== null;
  }

  /** Hands the turn to pull to the next waiting worker, or ends it. */
  passPull(): void {
    const worker = this.firstPuller;
    if (worker === null) {
      this.pulling = false;
      return;
    }
    this.firstPuller = worker.after;
    if (this.firstPuller === null) this.lastPuller = null;
    worker.after = null;
    worker.waitingFor = NOTHING;
    worker.hasTurn = true;
    if (!release(worker)) this.passPull(); // woken by a cancellation already
  }

  /** Takes a cancelled worker off the list it waits in (its parked result is dropped). */
  unlist(worker: Worker): void {
    const waitingFor = worker.waitingFor;
    worker.waitingFor = NOTHING;
    worker.value = undefined;
    if (waitingFor === PARKED && this.window !== null) {
      const slot = worker.index % this.window.length;
      if (this.window[slot] === worker) this.window[slot] = null;
    } else if (waitingFor === PARKED) {
      [this.firstParked, this.lastParked] = without(this.firstParked, worker);
    } else if (waitingFor === PULL) {
      [this.firstPuller, this.lastPuller] = without(this.firstPuller, worker);
    } else if (waitingFor === HOLDING && this.holder === worker) {
      this.holder = null;
    }
  }

  /** Stops the source after an early exit: `return()`, once, as `for…of` does. */
  closeSource(): unknown {
    if (this.sourceDone) return undefined;
    this.sourceDone = true;
    const iterator = this.iterator;
    if (typeof iterator.return !== "function") return undefined;
    const closing = iterator.return();
    return this.async && isThenable(closing) ? closing : undefined;
  }
}

/**
 * Resumes a worker taken off its list, unless a cancellation woke it
 * already (between being taken and released, while a consumer ran);
 * `fromOutside`: the caller is not a task of the run, which goes on now.
 */
function release(worker: Worker, fromOutside = false): boolean {
  if (worker.task.blockedOn !== worker) return false;
  if (fromOutside) worker.task.wakeFromOutside(true, undefined);
  else worker.task.wake(undefined, true);
  return true;
}

/** A queue without `worker`: its new first and last. */
function without(first: Worker | null, worker: Worker): [Worker | null, Worker | null] {
  let head: Worker | null = null;
  let last: Worker | null = null;
  for (let w = first; w !== null;) {
    const after: Worker | null = w.after;
    w.after = null;
    if (w !== worker) {
      if (last === null) head = w;
      else last.after = w;
      last = w;
    }
    w = after;
  }
  return [head, last];
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/** The `TypeError` for a mapping or consumer that did not return an operation. */
function notAnOperation(what: string, value: unknown): TypeError {
  return new TypeError(
    `mapConcurrent: ${what} must return an operation (a generator object, e.g. from a function*), ` +
      `got ${describeValue(value)}` +
      (isThenable(value) ? "; to wait for a promise use `yield* until(promise)` or call()" : ""),
  );
}

/** `op` if it is an operation, else a clear `TypeError` (a generator object is checked by prototype: no lookup). */
function operation<V>(op: Operation<V>, what: string): Operation<V> {
  if (isGenerator(op)) return op;
  if (
    op === null ||
    typeof op !== "object" ||
    typeof (op as Partial<Operation<V>>)[Symbol.iterator] !== "function"
  ) {
    throw notAnOperation(what, op);
  }
  return op;
}

/** Marks "the source is done" where an item is expected. */
const END: unique symbol = Symbol("end");

/** The next item of a sync source, or `END`. */
function pullSync(run: MapRun<unknown, unknown>): unknown {
  if (run.sourceDone) return END;
  let step: IteratorResult<unknown>;
  try {
    step = (run.iterator as Iterator<unknown>).next();
  } catch (error) {
    run.sourceDone = true; // a source that threw is done: no `return()`
    throw error;
  }
  if (step.done === true) {
    run.sourceDone = true;
    return END;
  }
  return step.value;
}

/**
 * The next item of an async source, or `END`. One `next()` at a time: a
 * worker that finds a pull going waits for its turn, which the puller
 * hands over when its item arrives.
 */
function* pullAsync(run: MapRun<unknown, unknown>, worker: Worker): Generator<unknown, unknown> {
  if (run.pulling) {
    run.queuePuller(worker);
    try {
      yield* worker;
    } catch (error) {
      if (worker.hasTurn) run.passPull(); // cancelled after being handed the turn
      throw error;
    }
    worker.hasTurn = false;
  } else {
    run.pulling = true;
  }
  if (run.sourceDone) {
    run.passPull(); // each waiting worker sees the end in turn
    return END;
  }
  let step: IteratorResult<unknown>;
  try {
    const next = (run.iterator as AsyncIterator<unknown>).next();
    step = isThenable(next) ? yield* until(next) : next;
  } catch (error) {
    // A cancelled pull leaves the source open (it is closed once, at the end).
    if (!(error instanceof Cancelled)) run.sourceDone = true;
    run.passPull();
    throw error;
  }
  if (step.done === true) {
    run.sourceDone = true;
    run.passPull();
    return END;
  }
  if (run.pullersWaiting) run.passPull();
  else {
    run.pulling = false;
    if (run.workers < run.limit) run.startWorker(); // keep one pull going
  }
  return step.value;
}

/**
 * Maps one item to a settled record. A failure becomes a `"rejected"`
 * record; a `Cancelled` never does: it belongs to a scope outside the
 * mapping, and goes on to it.
 */
function* settleOne(run: MapRun<unknown, unknown>, item: unknown, index: number) {
  let op: Operation<unknown>;
  try {
    op = run.fn(item, index);
  } catch (reason) {
    if (reason instanceof Cancelled) throw reason;
    return { status: "rejected", reason, item, index };
  }
  const checked = operation(op, "the mapping function");
  try {
    return { status: "fulfilled", value: yield* checked, item, index };
  } catch (reason) {
    if (reason instanceof Cancelled) throw reason;
    return { status: "rejected", reason, item, index };
  }
}

/**
 * The way to an item's result from an async source (plain or settled).
 * Returns `END` when the source is done; the item's index is left in
 * `worker.index`.
 */
function* pullAndMap(run: MapRun<unknown, unknown>, worker: Worker): Generator<unknown, unknown> {
  const item = yield* pullAsync(run, worker);
  if (item === END) return END;
  const index = (worker.index = run.pulled++);
  if (run.settle) return yield* settleOne(run, item, index);
  return yield* operation(run.fn(item, index), "the mapping function");
}

/**
 * The rarer ends of an item: park its result (`consumed` is `PARK`) until
 * the consumer takes it, or finish a consumer that returned an operation,
 * then consume the results parked meanwhile.
 */
function* handOver(
  run: MapRun<unknown, unknown>,
  worker: Worker,
  value: unknown,
  consumed: Operation<unknown> | void | typeof PARK | typeof HOLD,
): Generator<unknown, void> {
  if (consumed === PARK) {
    // Keep the slot until the result is consumed: no pulling meanwhile,
    // which is what bounds memory by `limit`.
    run.park(worker, value, worker.index);
    yield* worker;
    return;
  }
  if (consumed === HOLD) {
    // The same for a result the consumer holds; `releaseHolder` hands the
    // consumer the results parked meanwhile.
    run.hold(worker);
    yield* worker;
    return;
  }
  if (consumed !== undefined) yield* operation(consumed, "the consumer");
  for (let parked = run.takeParked(); parked !== null; parked = run.takeParked()) {
    const parkedValue = parked.value;
    parked.value = undefined;
    run.delivered++;
    const more = run.consume(parkedValue) as Operation<unknown> | void;
    if (more !== undefined) yield* operation(more, "the consumer");
    release(parked);
  }
  run.consuming = false;
}

const PARK: unique symbol = Symbol("park");

// One generator function for every worker (not a closure per run): V8
// gives each generator function its own prototype, so fresh ones would make
// the driver's calls megamorphic. A generator saves its whole register file
// at every suspension and each `yield*` adds registers, so the loop has two
// `yield*`s and few locals: the common case (a sync source, a consumer
// that returns nothing) runs inline, the rest in helpers. Each level of
// `yield*` between the worker and the mapping costs a resume per wait, so
// a settled mapping is one level (`settleOne`), not two.
function* work(worker: Worker): Generator<unknown, void> {
  const run = worker.run;
  const sync = !run.async;
  const settle = run.settle;
  for (;;) {
    // Never pull inside a cancelled scope: a run of eager mappings never
    // suspends, so this is where it sees a cancellation (the consumer's own
    // `scope.cancel()`, a failed sibling).
    const scope = worker.task.scope;
    if (scope._effectivelyCancelled) throw scope._makeCancelled();
    let op: Operation<unknown>;
    if (sync) {
      const item = pullSync(run);
      if (item === END) return;
      const index = (worker.index = run.pulled++);
      op = settle
        ? settleOne(run, item, index)
        : operation(run.fn(item, index), "the mapping function");
    } else {
      op = pullAndMap(run, worker);
    }
    const value = yield* op;
    if (value === END) return;
    let consumed: Operation<unknown> | void | typeof PARK | typeof HOLD = PARK;
    if (run.mayConsume(worker.index)) {
      // `delivered` moves on now: while `consuming`, no other result is taken.
      run.consuming = true;
      run.delivered++;
      consumed = run.consume(value);
      if (consumed === undefined && !run.hasParked) {
        run.consuming = false;
        continue;
      }
    }
    yield* handOver(run, worker, value, consumed);
  }
}

/** Where a run leaves what an async source's `return()` returned. @internal */
export interface MapExit {
  closing: PromiseLike<unknown> | null;
  /** The run, once it started (for a consumer that holds results). */
  run: MapRun<unknown, unknown> | null;
}

/** The owner's wait for the workers of a run (not a cancellation point). */
class WorkersDone extends Instruction<void> {
  constructor(private readonly group: TaskGroup) {
    super();
  }

  enter(task: TaskImpl<unknown>): void {
    this.group.enter(task);
  }
}

/**
 * One consumption of a bounded map, as the owner (the caller's task) runs
 * it: starts workers eagerly while the last one started is blocked in a
 * mapping and slots are left, waits for them, closes the source after an
 * early exit. If every mapping completes without suspending, the first
 * worker does all the work in its first step and this returns without
 * suspending.
 *
 * @internal
 */
export function* runMap<T, R>(
  spec: MapSpec<T, R>,
  consume: Consume,
  exit?: MapExit,
): Generator<unknown, void> {
  const owner = requireCurrent("mapConcurrent");
  const run = new MapRun(spec, consume);
  if (exit !== undefined) exit.run = run as MapRun<unknown, unknown>;
  // The workers run in a scope the owner enters, so that cancelling the
  // owner's task (`task.cancel()`, which wraps the scopes the task entered)
  // reaches them; a group without a scope of its own would start them in
  // the owner's base scope, which that cancellation does not enclose.
  const scope = new CancelScope();
  enterScope(owner, scope);
  const group = run.group.join(owner);
  let ending: unknown = NONE;
  try {
    for (;;) {
      const task = run.startWorker();
      if (
        task.done ||
        run.sourceDone ||
        run.pulling || // an async source: workers start one another as items arrive
        run.workers >= run.limit ||
        group.errors !== null ||
        owner.scope._effectivelyCancelled
      ) {
        break;
      }
    }
    yield* new WorkersDone(group);
    const rest = group.finishGroup();
    if (rest !== NONE) throw rest;
  } catch (error) {
    ending = error;
  }
  try {
    const rest = exitScope(owner, scope, ending);
    if (rest !== NONE) throw rest;
  } finally {
    const closing = run.closeSource();
    if (closing !== undefined) {
      if (exit !== undefined) exit.closing = closing as PromiseLike<unknown>;
      // Inside a cancelled scope this does not wait (the promise is
      // abandoned, its rejection handled); `exit` lets `for await` wait.
      yield* until(closing as PromiseLike<unknown>);
    }
  }
}
