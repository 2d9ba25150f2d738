// Shared helpers for the core tests: both start paths, and a run on a fresh
// virtual clock that collects a log.
import {
  Cancelled,
  run,
  type Nursery,
  type Operation,
  type StartOptions,
  type Task,
} from "@copse/core";
import { VirtualClock } from "@copse/testing";

export type Path = "lazy" | "eager";
export const PATHS: readonly Path[] = ["lazy", "eager"];

/** Starts `fn` in `n` on the given path: `startSoon` (lazy) or `startTask` (eager). */
export function start<T>(
  n: Nursery,
  path: Path,
  fn: () => Operation<T>,
  options?: StartOptions,
): Task<T> {
  return path === "lazy" ? n.startSoon(fn, options) : n.startTask(fn, options);
}

export interface VirtualRun<T> {
  readonly task: Task<T>;
  readonly clock: VirtualClock;
  readonly log: unknown[];
}

/**
 * Runs `main` on a fresh autojumping virtual clock. Programs that only
 * sleep and spawn finish synchronously, so `task.outcome` is set on return.
 */
export function runVirtual<T>(
  main: (log: unknown[], clock: VirtualClock) => Operation<T>,
): VirtualRun<T> {
  const clock = new VirtualClock();
  const log: unknown[] = [];
  const task = run(() => main(log, clock), { clock });
  return { task, clock, log };
}

/** The value of a finished task, or throws with its outcome. */
export function valueOf<T>(task: Task<T>): T {
  const outcome = task.outcome;
  if (outcome === undefined) throw new Error("the task has not finished");
  if (outcome.status !== "ok") {
    throw new Error(`the task ended ${outcome.status}`, {
      cause: outcome.status === "error" ? outcome.error : outcome.reason,
    });
  }
  return outcome.value;
}

/** The error a finished task failed with. */
export function errorOf(task: Task<unknown>): unknown {
  const outcome = task.outcome;
  if (outcome?.status !== "error")
    throw new Error(`expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

/** Messages of a group's members (nested groups as nested arrays). */
export function messages(error: unknown): unknown {
  if (error instanceof AggregateError) return error.errors.map(messages);
  return error instanceof Error ? error.message : error;
}

/** `yield* op`, logging `label` when it raises `Cancelled` (which goes on). */
export function* noteCancelled<T>(log: unknown[], label: unknown, op: Operation<T>): Operation<T> {
  try {
    return yield* op;
  } catch (e) {
    if (e instanceof Cancelled) log.push(label);
    throw e;
  }
}
