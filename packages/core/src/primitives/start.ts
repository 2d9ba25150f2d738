import { requireCurrent } from "../kernel/current.js";
import { startEagerly } from "../kernel/eager.js";
import { closedError, type TaskGroup } from "../kernel/group.js";
import { rebaseTask } from "../kernel/membership.js";
import { Instruction, type Operation } from "../kernel/operation.js";
import type { ChildHolder } from "../kernel/protocols.js";
import { CancelScope, NONE, enterScope, exitScope } from "../kernel/cancel-scope.js";
import { TaskImpl } from "../kernel/task-impl.js";

// Trio's `nursery.start`: the child runs under the caller until it calls
// `started(value)`; an error before that comes out of `start` itself, and
// cancelling the caller cancels only the child (docs/cases.md S01–S13).

/** The state of one `start` call: the child until it calls `started`, and the caller's wait. */
class Starter<T> extends Instruction implements ChildHolder {
  value: T | undefined = undefined;
  called = false;
  moved = false;
  finished = false;
  waiting = false;
  child: TaskImpl<unknown> | null = null;
  readonly started = (value: T): void => this.onStarted(value);

  constructor(
    private readonly target: TaskGroup,
    private readonly privateScope: CancelScope,
    private readonly caller: TaskImpl<unknown>,
  ) {
    super();
  }

  private onStarted(value: T): void {
    if (this.called) {
      throw new Error(
        "started() was called twice for the same task; call it once, when the task is ready",
      );
    }
    this.called = true;
    this.value = value;
    // Trio: if the caller's side is cancelled, stay put; the child will get
    // `Cancelled` there and `start` reports it.
    if (this.privateScope._effectivelyCancelled || this.finished) return;
    const child = this.child!;
    this.moved = true;
    this.target.adopt(child);
    rebaseTask(child, this.target.groupScope());
    this.wakeCaller();
  }

  childFinished(): void {
    this.finished = true;
    this.wakeCaller();
  }

  private wakeCaller(): void {
    if (this.waiting) {
      this.waiting = false;
      this.caller.wake(undefined, false);
    }
  }

  /** The caller's wait: until the child is moved or finished (not a cancellation point). */
  enter(caller: TaskImpl<unknown>): void {
    if (this.moved || this.finished) {
      caller.resumeSync(undefined);
      return;
    }
    this.waiting = true;
    caller.blockUninterruptibly();
  }
}

/**
 * The operation `nursery.start(fn)` returns: runs `fn`'s task under a
 * private scope of the caller until it calls `started(value)`, then moves
 * it into `target` and returns the value.
 *
 * @internal
 */
export function* startOperation<T>(
  target: TaskGroup,
  fn: (started: (value: T) => void) => Operation<unknown>,
  name: string | undefined,
): Generator<unknown, T> {
  const caller = requireCurrent("Nursery.start");
  if (!target.isOpen) throw closedError();
  const scope = new CancelScope();
  enterScope(caller, scope);
  const starter = new Starter<T>(target, scope, caller);
  const child = new TaskImpl<unknown>(
    starter,
    scope,
    () => fn(starter.started),
    name ?? (fn.name || undefined),
  );
  starter.child = child;
  target.pendingStarts++;
  let error: unknown = NONE;
  try {
    startEagerly(child);
    yield* starter;
  } finally {
    target.pendingStarts--;
    target.settled();
  }
  if (!starter.moved) {
    if (child.succeeded) {
      if (!starter.called) {
        error = new Error(
          `the task ${child.name} given to start() returned without calling started(); call started(value) once it is ready`,
        );
      }
    } else {
      error = child.rawResult;
    }
  }
  const rest = exitScope(caller, scope, error);
  if (rest !== NONE) throw rest;
  return starter.value as T;
}
