/**
 * Floor of the lazy path: the least a scheduler can do that starts tasks
 * the way copse's `startSoon` does — a task is a generator queued when
 * started and first stepped from a FIFO run queue, so the tree runs
 * breadth-first; an inner node waits until its children counted down; a
 * leaf with I/O waits for its own `setTimeout`. No cancellation, no
 * scopes, no errors, no handles: only the start order and the queue.
 */
import type { TreeImpl } from "./impl.js";
import type { TreeWork } from "./work.js";

/** What a task's generator yields: wait for my children, or sleep. */
const WAIT_CHILDREN = 0;
const SLEEP = 1;
type Wait = typeof WAIT_CHILDREN | typeof SLEEP;

class FloorTask {
  gen: Generator<Wait, void, void> | null = null;
  /** Children not finished yet. */
  pending = 0;
  waiting = false;
  next: FloorTask | null = null;

  constructor(
    readonly scheduler: Scheduler,
    readonly parent: FloorTask | null,
    readonly body: ((self: FloorTask) => Generator<Wait, void, void>) | null,
  ) {}

  /** Starts a child: queued, stepped later in start order. */
  start(body: (self: FloorTask) => Generator<Wait, void, void>): void {
    this.pending++;
    this.scheduler.enqueue(new FloorTask(this.scheduler, this, body));
  }

  step(): void {
    let gen = this.gen;
    if (gen === null) gen = this.gen = this.body!(this);
    const r = gen.next();
    if (r.done === true) {
      this.finished();
      return;
    }
    if (r.value === SLEEP) {
      setTimeout(() => this.scheduler.enqueueAndDrain(this), this.scheduler.sleepMs);
    } else if (this.pending > 0) {
      this.waiting = true;
    } else {
      this.scheduler.enqueue(this);
    }
  }

  private finished(): void {
    const parent = this.parent;
    if (parent === null) {
      this.scheduler.done();
      return;
    }
    if (--parent.pending === 0 && parent.waiting) {
      parent.waiting = false;
      this.scheduler.enqueue(parent);
    }
  }
}

class Scheduler {
  private head: FloorTask | null = null;
  private tail: FloorTask | null = null;
  private draining = false;
  finished = false;
  resolve: (() => void) | null = null;

  constructor(readonly sleepMs: number) {}

  enqueue(task: FloorTask): void {
    task.next = null;
    if (this.tail === null) this.head = task;
    else this.tail.next = task;
    this.tail = task;
  }

  enqueueAndDrain(task: FloorTask): void {
    this.enqueue(task);
    if (!this.draining) this.drain();
  }

  drain(): void {
    this.draining = true;
    for (let task = this.head; task !== null; task = this.head) {
      this.head = task.next;
      if (this.head === null) this.tail = null;
      task.step();
    }
    this.draining = false;
  }

  done(): void {
    this.finished = true;
    this.resolve?.();
  }
}

function* recurse(work: TreeWork, level: number, self: FloorTask): Generator<Wait, void, void> {
  if (level === 0) {
    if (work.leaf()) {
      yield SLEEP;
      work.ioDone();
    }
    return;
  }
  for (let i = 0; i < work.branches; i++) self.start((child) => recurse(work, level - 1, child));
  yield WAIT_CHILDREN;
}

export const impl: TreeImpl = {
  run(work) {
    const scheduler = new Scheduler(work.sleepMs);
    scheduler.enqueueAndDrain(
      new FloorTask(scheduler, null, (self) => recurse(work, work.levels, self)),
    );
    if (scheduler.finished) return;
    return new Promise<void>((resolve) => (scheduler.resolve = resolve));
  },
};
