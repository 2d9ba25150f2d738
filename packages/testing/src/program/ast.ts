/**
 * The program language of the equivalence property: a small, data-only
 * description of a concurrent copse program (a tree of tasks, nurseries,
 * cancel scopes and timeouts) that {@link interpret} runs on the virtual clock.
 *
 * Programs are plain immutable objects; {@link Program.toString} prints them
 * as indented pseudo-code, which is what a shrunk counterexample looks like
 * in a failure message.
 *
 * @module
 */
import { toStringMethod } from "fast-check";

/** How a `spawn` statement starts its child when the run chooses per start ("mixed"). */
export type Via = "soon" | "task" | "start";

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
    };

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

function printProgram(main: TaskSpec): string {
  const lines: string[] = [`task ${main.id}:`];
  printBlock(main.body, 1, lines);
  lines.push(`  return ${JSON.stringify(main.value)}`);
  return lines.join("\n");
}

const sleepThen = (after: number | null): string => (after === null ? "" : `sleep(${after}); `);

function printBlock(block: Block, depth: number, lines: string[]): void {
  const pad = "  ".repeat(depth);
  for (const stmt of block) {
    switch (stmt.kind) {
      case "sleep":
        lines.push(`${pad}sleep(${stmt.ms})`);
        break;
      case "checkpoint":
        lines.push(`${pad}checkpoint()`);
        break;
      case "cancel":
        lines.push(`${pad}${sleepThen(stmt.after)}cancel(${stmt.target})`);
        break;
      case "throw":
        lines.push(`${pad}${sleepThen(stmt.after)}throw ${stmt.error}`);
        break;
      case "started":
        lines.push(`${pad}${sleepThen(stmt.after)}started(${JSON.stringify(stmt.value)})`);
        break;
      case "scope": {
        const opts = [
          ...(stmt.deadline === null ? [] : [`deadline +${stmt.deadline}`]),
          ...(stmt.shield ? ["shield"] : []),
        ];
        lines.push(`${pad}scope ${stmt.id}${opts.length > 0 ? ` (${opts.join(", ")})` : ""}:`);
        printBody(stmt.body, depth + 1, lines);
        break;
      }
      case "timeout":
        lines.push(`${pad}${stmt.fail ? "failAfter" : "moveOnAfter"}(${stmt.ms}) ${stmt.id}:`);
        printBody(stmt.body, depth + 1, lines);
        break;
      case "nursery":
        lines.push(`${pad}nursery ${stmt.id}:`);
        printBody(stmt.body, depth + 1, lines);
        break;
      case "spawn": {
        const how =
          stmt.via === "soon" ? "startSoon" : stmt.via === "task" ? "startTask" : "yield* start";
        lines.push(`${pad}${sleepThen(stmt.after)}${how} ${stmt.task.id} in ${stmt.into}:`);
        printBlock(stmt.task.body, depth + 1, lines);
        lines.push(`${pad}  return ${JSON.stringify(stmt.task.value)}`);
        break;
      }
      case "try":
        lines.push(`${pad}try ${stmt.id}:`);
        printBody(stmt.body, depth + 1, lines);
        if (stmt.onCancelled !== null) {
          lines.push(`${pad}catch Cancelled:`);
          printBlock(stmt.onCancelled, depth + 1, lines);
          lines.push(`${pad}  rethrow`);
        }
        if (stmt.catchErrors) lines.push(`${pad}catch other errors: log and continue`);
        if (stmt.cleanup !== null) {
          lines.push(`${pad}finally${stmt.cleanup.shield ? " (shielded)" : ""}:`);
          printBody(stmt.cleanup.body, depth + 1, lines);
        }
        break;
    }
  }
}

function printBody(block: Block, depth: number, lines: string[]): void {
  if (block.length === 0) lines.push(`${"  ".repeat(depth)}pass`);
  else printBlock(block, depth, lines);
}

/** The number of statements in a program, counting nested ones (a measure of counterexample size). */
export function programSize(program: Program): number {
  return blockSize(program.main.body);
}

function blockSize(block: Block): number {
  let n = 0;
  for (const stmt of block) {
    n++;
    switch (stmt.kind) {
      case "scope":
      case "timeout":
      case "nursery":
        n += blockSize(stmt.body);
        break;
      case "spawn":
        n += blockSize(stmt.task.body);
        break;
      case "try":
        n += blockSize(stmt.body);
        if (stmt.onCancelled !== null) n += blockSize(stmt.onCancelled);
        if (stmt.cleanup !== null) n += blockSize(stmt.cleanup.body);
        break;
      default:
        break;
    }
  }
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
    switch (stmt.kind) {
      case "scope":
      case "timeout":
      case "nursery":
        forEachStmt(stmt.body, taskId, visit);
        break;
      case "spawn":
        forEachStmt(stmt.task.body, stmt.task.id, visit);
        break;
      case "try":
        forEachStmt(stmt.body, taskId, visit);
        if (stmt.onCancelled !== null) forEachStmt(stmt.onCancelled, taskId, visit);
        if (stmt.cleanup !== null) forEachStmt(stmt.cleanup.body, taskId, visit);
        break;
      default:
        break;
    }
  }
}
