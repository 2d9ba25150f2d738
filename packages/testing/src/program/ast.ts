/**
 * The program language of the equivalence property: a small, data-only
 * description of a concurrent copse program (a tree of tasks, nurseries,
 * cancel scopes, timeouts, joins, promises, gathers, and the events, locks,
 * semaphores and channels the tasks share) that
 * {@link interpret} runs on the virtual clock.
 *
 * Programs are plain immutable objects; {@link Program.toString} prints them
 * as indented pseudo-code, which is what a shrunk counterexample looks like
 * in a failure message.
 *
 * @module
 */
import { toStringMethod } from "fast-check";
import type { StatementDefinition } from "./custom.js";
import { printProgram } from "./print.js";

/** How a `spawn` statement starts its child when the run chooses per start ("mixed"). */
export type Via = "soon" | "task" | "start";

/** How the promise of a `call` statement settles: after that many ms, at once, or not a promise at all. */
export type CallSettle = number | "now" | "sync";

/**
 * One statement of a task body. Durations (`ms`, `after`, `deadline`) are
 * relative, in virtual milliseconds; the generator makes each of them a
 * distinct power of two (see {@link programArbitrary} on race-freedom).
 */
export type Stmt =
  /** `yield* sleep(ms)`. */
  | { readonly kind: "sleep"; readonly ms: number }
  /** `yield* checkpoint()`. */
  | { readonly kind: "checkpoint" }
  /**
   * `yield* sleep(after); cancel(target)`: cancels the scope, timeout or
   * nursery (its cancel scope) or task (`task.cancel()`) with that id, if it
   * exists by then (otherwise it logs a miss and does nothing).
   */
  | { readonly kind: "cancel"; readonly after: number; readonly target: string }
  /**
   * `yield* sleep(after); throw new ProgramError(error)`; with `after: null`
   * (only as the first statement of a child task) it throws in the task's
   * first step, before any suspension.
   */
  | { readonly kind: "throw"; readonly after: number | null; readonly error: string }
  /** `yield* sleep(after); started(value)`: only in the body of a task spawned `via: "start"`. */
  | { readonly kind: "started"; readonly after: number; readonly value: string }
  /** `yield* new CancelScope({ relativeDeadline: deadline, shield }).run(body)`. */
  | {
      readonly kind: "scope";
      readonly id: string;
      readonly deadline: number | null;
      readonly shield: boolean;
      readonly body: Block;
    }
  /** `yield* moveOnAfter(ms, body)` or, with `fail`, `yield* failAfter(ms, body)`. */
  | {
      readonly kind: "timeout";
      readonly id: string;
      readonly fail: boolean;
      readonly ms: number;
      readonly body: Block;
    }
  /** `yield* nursery(function* (n) { body })`. */
  | { readonly kind: "nursery"; readonly id: string; readonly body: Block }
  /**
   * Starts `task` in the enclosing nursery `into`: with `startSoon`
   * (`via: "soon"`), `startTask` (`"task"`) or `yield* n.start(...)`
   * (`"start"`). A run may force `soon`/`task` to one path (see
   * {@link StartsMode}); `start` is always `start`. With `after`, the
   * task first sleeps that long (`sleep(after); startTask ...`), so the
   * start is the first thing that happens at a fresh instant.
   */
  | {
      readonly kind: "spawn";
      readonly after: number | null;
      readonly via: Via;
      readonly into: string;
      readonly task: TaskSpec;
    }
  /**
   * `try { body } catch (e) { ... } finally { cleanup }`: a `Cancelled` runs
   * `onCancelled` (when given) and is rethrown; any other error is swallowed
   * and logged when `catchErrors`, rethrown otherwise; `cleanup` runs in a
   * `finally`, inside a fresh shielded scope when `shield`.
   */
  | {
      readonly kind: "try";
      readonly id: string;
      readonly body: Block;
      readonly onCancelled: Block | null;
      readonly catchErrors: boolean;
      readonly cleanup: Cleanup | null;
    }
  /**
   * `yield* sleep(after); yield* target`: joins a task started earlier with
   * `startSoon`/`startTask` and logs how it ended (value, error or
   * cancelled); an error of the task is rethrown when `rethrow`. With
   * `after: null` the task has certainly finished (its nursery has exited),
   * so the join neither suspends nor is a cancellation point.
   */
  | {
      readonly kind: "join";
      readonly after: number | null;
      readonly target: string;
      readonly rethrow: boolean;
    }
  /**
   * `yield* sleep(after); yield* call((signal) => promise)` where the
   * promise resolves with the call's id (or, with `rejects`, rejects with
   * that error) after `settle` ms on the virtual clock; `"now"`: an already
   * resolved promise (one suspension); `"sync"`: `fn` returns the value
   * itself (no promise, no suspension). The trace records whether `fn` was
   * called and whether its signal aborted.
   */
  | {
      readonly kind: "call";
      readonly id: string;
      readonly after: number;
      readonly settle: CallSettle;
      readonly rejects: string | null;
    }
  /**
   * `yield* sleep(after); yield* all([...])` or `race([...])` over child
   * tasks, one per `children` entry (started eagerly, in order, in every
   * run); the values are logged (in input order for `all`, the winner's for
   * `race`), and a failure makes the group throw a `NurseryError`.
   */
  | {
      readonly kind: "group";
      readonly id: string;
      readonly op: "all" | "race";
      readonly after: number | null;
      readonly children: readonly TaskSpec[];
    }
  /**
   * `yield* sleep(after); event.set()` of the program's event `event`
   * (every event, lock, semaphore and channel of a program is made at its
   * first use and shared by every task).
   */
  | { readonly kind: "set"; readonly after: number; readonly event: string }
  /**
   * `yield* sleep(after); yield* event.wait()` inside a cancel scope with
   * the relative deadline `patience`: logs whether it was woken, timed out
   * or was cancelled (a `Cancelled` from outside goes on up).
   */
  | {
      readonly kind: "wait";
      readonly after: number;
      readonly event: string;
      readonly patience: number;
    }
  /**
   * `yield* sleep(after)`, then `lock.acquire()` inside a cancel scope with
   * the relative deadline `patience`; once acquired, `body` runs holding
   * the lock, which is released however it ends (`withLock`). A waiter that
   * times out skips the body.
   */
  | {
      readonly kind: "lock";
      readonly after: number;
      readonly lock: string;
      readonly patience: number;
      readonly body: Block;
    }
  /**
   * Like `lock`, with a permit of the semaphore `semaphore`, made with
   * `initial` permits at its first use (`withPermit`).
   */
  | {
      readonly kind: "permit";
      readonly after: number;
      readonly semaphore: string;
      readonly initial: number;
      readonly patience: number;
      readonly body: Block;
    }
  /**
   * `yield* sleep(after); yield* send.send(id)` into the channel `channel`
   * (made with `capacity` at its first use) inside a cancel scope with the
   * relative deadline `patience`. The value sent is the statement's id.
   * Logs whether it was sent, timed out or was cancelled (rethrown); a
   * channel error (a closed end) is logged, not thrown.
   */
  | {
      readonly kind: "send";
      readonly id: string;
      readonly after: number;
      readonly channel: string;
      readonly capacity: number;
      readonly patience: number;
    }
  /** `yield* sleep(after); yield* receive.receive()`, like `send`: logs the value received. */
  | {
      readonly kind: "receive";
      readonly after: number;
      readonly channel: string;
      readonly capacity: number;
      readonly patience: number;
    }
  /** `yield* sleep(after); send.close()` or `receive.close()` of the channel `channel`. */
  | {
      readonly kind: "close";
      readonly after: number;
      readonly channel: string;
      readonly capacity: number;
      readonly end: "send" | "receive";
    }
  /** A statement of a kind defined outside the kit (see {@link defineStatement}). */
  | CustomStmt;

/**
 * A statement of a downstream kind: its {@link StatementDefinition} (which
 * runs and prints it), a fresh id, the data its arbitrary generated, its
 * durations (distinct powers of two) and, if the kind has one, its block.
 */
export interface CustomStmt<D = unknown> {
  readonly kind: "custom";
  readonly def: StatementDefinition<D>;
  readonly id: string;
  readonly data: D;
  readonly durations: readonly number[];
  readonly body: Block | null;
}

/** A sequence of statements. */
export type Block = readonly Stmt[];

/** The `finally` part of a `try` statement. */
export interface Cleanup {
  /** Run the cleanup inside `new CancelScope({ shield: true })`. */
  readonly shield: boolean;
  readonly body: Block;
}

/** A task: its id (also its name, `currentTask().name`), its body and what it returns. */
export interface TaskSpec {
  readonly id: string;
  readonly body: Block;
  readonly value: string;
}

/** A whole program: the body of the root task `t0`, run with `run()`. */
export interface Program {
  readonly main: TaskSpec;
  /** Indented pseudo-code. */
  toString(): string;
}

/** The error a `throw` statement throws; its message is the statement's error id. */
export class ProgramError extends Error {
  constructor(id: string) {
    super(id);
    this.name = "ProgramError";
  }
}

/** Wraps a main task into a {@link Program} value that prints as pseudo-code (also in fast-check reports). */
export function makeProgram(main: TaskSpec): Program {
  const program = {
    main,
    toString: () => printProgram(main),
    [toStringMethod]: () => `\n${printProgram(main)}`,
  };
  return Object.freeze(program);
}

/** A block nested in a statement, with the task whose code it is. */
export interface NestedBlock {
  readonly block: Block;
  /** The task that runs it: the statement's own task, or the child the statement starts. */
  readonly task: string;
}

/** The blocks nested directly in `stmt`, in program order (`taskId`: the task that runs `stmt`). */
export function nestedBlocks(stmt: Stmt, taskId: string): readonly NestedBlock[] {
  switch (stmt.kind) {
    case "scope":
    case "timeout":
    case "nursery":
    case "lock":
    case "permit":
      return [{ block: stmt.body, task: taskId }];
    case "spawn":
      return [{ block: stmt.task.body, task: stmt.task.id }];
    case "group":
      return stmt.children.map((c) => ({ block: c.body, task: c.id }));
    case "try": {
      const out: NestedBlock[] = [{ block: stmt.body, task: taskId }];
      if (stmt.onCancelled !== null) out.push({ block: stmt.onCancelled, task: taskId });
      if (stmt.cleanup !== null) out.push({ block: stmt.cleanup.body, task: taskId });
      return out;
    }
    case "custom":
      return stmt.body === null ? [] : [{ block: stmt.body, task: taskId }];
    default:
      return [];
  }
}

/** The number of statements in a program, counting nested ones (a measure of counterexample size). */
export function programSize(program: Program): number {
  let n = 0;
  forEachStmt(program.main.body, program.main.id, () => n++);
  return n;
}

/** Calls `visit` on every statement of `block`, depth first, with the id of the task it runs in. */
export function forEachStmt(
  block: Block,
  taskId: string,
  visit: (stmt: Stmt, taskId: string) => void,
): void {
  for (const stmt of block) {
    visit(stmt, taskId);
    for (const nested of nestedBlocks(stmt, taskId)) forEachStmt(nested.block, nested.task, visit);
  }
}
