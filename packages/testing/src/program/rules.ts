import type { Block, Program, Stmt, TaskSpec } from "./ast.js";

/**
 * Whether running `stmt` to its end (normally) takes the task past the
 * instant it began at: it sleeps, or contains, at its top level, a statement
 * that does. (Inside a task at its start instant nothing can be cancelled
 * by itself, so a sleep there either completes later or ends the block.)
 *
 * @internal
 */
export function leavesInstant(stmt: Stmt): boolean {
  switch (stmt.kind) {
    case "sleep":
    case "cancel":
    case "started":
      return true;
    case "throw":
    case "spawn":
      return stmt.after !== null;
    case "checkpoint":
      return false;
    case "scope":
    case "timeout":
    case "nursery":
    case "try":
      return stmt.body.some(leavesInstant);
  }
}

interface Place {
  /** The task whose code this is, and whether it was spawned with `start`. */
  readonly task: TaskSpec;
  readonly startChild: boolean;
  /** Visible nurseries, innermost last, with the task that opened each. */
  readonly nurseries: readonly { readonly id: string; readonly task: string }[];
  /** Whether this code may run at the instant a child task was started. */
  readonly fresh: boolean;
  /** Whether this is `finally`/`catch` code of its task. */
  readonly cleanup: boolean;
}

/**
 * Checks a program against the race-freedom rules that
 * {@link programArbitrary} follows (see its documentation), and returns one
 * sentence per broken rule; empty when the program keeps them all. Every
 * generated program keeps them; use this on hand-written programs before
 * expecting them to be the same on both start paths.
 *
 * The rules: every duration is a distinct power of two; `cancel`, `throw`
 * and `started` come after a sleep of their own, except a `throw` that is
 * the first statement of a child, whose `spawn` then has its own sleep and
 * is not in a `finally` or `catch` block; a
 * child starts only in a visible nursery (one enclosing the spawn, cut at
 * the nursery the spawning task lives in), with its own sleep if that
 * nursery was opened by another task; a child does not `checkpoint` before
 * its first sleep; only a child spawned with `start`
 * calls `started`, and it calls it in its top-level body; ids are unique.
 */
export function raceFreedomViolations(program: Program): string[] {
  const out: string[] = [];
  const durations = new Map<number, number>();
  const ids = new Set<string>();
  const duration = (ms: number, what: string): void => {
    // Exact for any size (`ms & (ms - 1)` would truncate to 32 bits).
    if (!(Number.isSafeInteger(ms) && ms > 0 && 2 ** Math.round(Math.log2(ms)) === ms)) {
      out.push(`${what}: ${ms} is not a power of two`);
    }
    durations.set(ms, (durations.get(ms) ?? 0) + 1);
  };
  const id = (value: string): void => {
    if (ids.has(value)) out.push(`the id ${value} is used twice`);
    ids.add(value);
  };

  const block = (stmts: Block, place: Place, topLevel: boolean): void => {
    let here = place;
    stmts.forEach((stmt, index) => {
      one(stmt, here, topLevel, index);
      if (here.fresh && leavesInstant(stmt)) here = { ...here, fresh: false };
    });
  };

  const one = (stmt: Stmt, place: Place, topLevel: boolean, index: number): void => {
    const where = `in ${place.task.id}`;
    switch (stmt.kind) {
      case "sleep":
        duration(stmt.ms, `sleep ${where}`);
        return;
      case "checkpoint":
        if (place.fresh) out.push(`${place.task.id} may checkpoint at the instant it is started`);
        return;
      case "cancel":
        duration(stmt.after, `the sleep before cancel(${stmt.target}) ${where}`);
        return;
      case "throw":
        if (stmt.after !== null) duration(stmt.after, `the sleep before throw ${stmt.error}`);
        else if (!(topLevel && index === 0 && place.task.id !== program.main.id)) {
          out.push(
            `throw ${stmt.error} without a sleep is allowed only as a child's first statement`,
          );
        }
        return;
      case "started":
        duration(stmt.after, `the sleep before started ${where}`);
        if (!place.startChild) out.push(`started ${where}, which was not spawned with start`);
        return;
      case "scope":
        id(stmt.id);
        if (stmt.deadline !== null) duration(stmt.deadline, `the deadline of ${stmt.id}`);
        block(stmt.body, place, false);
        return;
      case "timeout":
        id(stmt.id);
        duration(stmt.ms, `the timeout ${stmt.id}`);
        block(stmt.body, place, false);
        return;
      case "nursery":
        id(stmt.id);
        block(
          stmt.body,
          { ...place, nurseries: [...place.nurseries, { id: stmt.id, task: place.task.id }] },
          false,
        );
        return;
      case "spawn": {
        const task = stmt.task;
        id(task.id);
        if (stmt.after !== null) duration(stmt.after, `the sleep before starting ${task.id}`);
        const at = place.nurseries.findIndex((n) => n.id === stmt.into);
        if (at === -1) {
          out.push(
            `${task.id} is started in ${stmt.into}, which is not a visible nursery ${where}`,
          );
          return;
        }
        const first = task.body[0];
        if (first?.kind === "throw" && first.after === null) {
          if (stmt.after === null) {
            out.push(`${task.id} throws in its first step, so it must be started after a sleep`);
          }
          if (place.cleanup) {
            out.push(
              `${task.id} throws in its first step, so it cannot be started from a finally or catch block`,
            );
          }
        }
        if (place.nurseries[at]!.task !== place.task.id && stmt.after === null) {
          out.push(
            `${task.id} is started in ${stmt.into} of another task, so it must be started after a sleep`,
          );
        }
        const startChild = stmt.via === "start";
        if (startChild && !task.body.some((s) => s.kind === "started")) {
          out.push(
            `${task.id} is spawned with start but does not call started in its top-level body`,
          );
        }
        block(
          task.body,
          {
            task,
            startChild,
            nurseries: place.nurseries.slice(0, at + 1),
            fresh: true,
            cleanup: false,
          },
          true,
        );
        return;
      }
      case "try":
        id(stmt.id);
        block(stmt.body, place, false);
        if (stmt.onCancelled !== null) block(stmt.onCancelled, { ...place, cleanup: true }, false);
        if (stmt.cleanup !== null) block(stmt.cleanup.body, { ...place, cleanup: true }, false);
        return;
    }
  };

  id(program.main.id);
  block(
    program.main.body,
    { task: program.main, startChild: false, nurseries: [], fresh: false, cleanup: false },
    true,
  );
  for (const [ms, count] of durations) {
    if (count > 1) out.push(`the duration ${ms} is used ${count} times`);
  }
  return out;
}
