import type { Block, Program, Stmt, TaskSpec } from "./ast.js";
import type { Handle, VisibleNursery } from "./statements/types.js";

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
    case "call":
    case "set":
    case "wait":
    case "lock":
    case "permit":
    case "send":
    case "receive":
    case "close":
      return true;
    case "throw":
    case "spawn":
    case "join":
      return stmt.after !== null;
    case "checkpoint":
      return false;
    case "scope":
    case "timeout":
    case "nursery":
    case "try":
      return stmt.body.some(leavesInstant);
    case "group": {
      // `all` ends (normally) after every child, `race` after the first.
      if (stmt.after !== null) return true;
      const sleeps = (child: TaskSpec): boolean => child.body.some(leavesInstant);
      return stmt.op === "all" ? stmt.children.some(sleeps) : stmt.children.every(sleeps);
    }
    case "custom":
      // The kit cannot see inside: assume the task may still be at its instant.
      return false;
  }
}

/**
 * Whether a child certainly ends in its first step: it is empty, or fails at once.
 *
 * @internal
 */
export function endsAtOnce(child: TaskSpec): boolean {
  const first = child.body[0];
  return first === undefined || (first.kind === "throw" && first.after === null);
}

interface Place {
  /** The task whose code this is, and whether it was spawned with `start`. */
  readonly task: TaskSpec;
  readonly startChild: boolean;
  /** Visible nurseries, innermost last, with the task that opened each. */
  readonly nurseries: readonly VisibleNursery[];
  /** Whether this code may run at the instant a child task was started. */
  readonly fresh: boolean;
  /** Whether this is `finally`/`catch` code of its task. */
  readonly cleanup: boolean;
  /** The locks this task's code holds here. */
  readonly held: readonly string[];
  /** The handles this code may join (one list per task's code, see `Place` of the generator). */
  readonly handles: Handle[];
}

/**
 * Checks a program against the race-freedom rules that
 * {@link programArbitrary} follows (see its documentation), and returns one
 * sentence per broken rule; empty when the program keeps them all. Every
 * generated program keeps them; use this on hand-written programs before
 * expecting them to be the same on both start paths.
 *
 * The rules: every duration is a distinct power of two; `cancel`, `throw`,
 * `started` and `call` come after a sleep of their own, except a `throw` that is
 * the first statement of a child, whose `spawn` (or `all`/`race`) then has
 * its own sleep and is not in a `finally` or `catch` block; a child starts
 * only in a visible nursery (one enclosing the spawn, cut at the nursery
 * the spawning task lives in), with its own sleep if that nursery was
 * opened by another task; a child does not `checkpoint` before its first
 * sleep (see `leavesInstant` in the rules); a `call` comes after a sleep of its
 * own; a `join` names a task started earlier with
 * `startSoon`/`startTask` in its task's code (or before its task was
 * started), and joins without a sleep of its own only a task whose nursery
 * has exited, without rethrowing; every child of a `race` ends with a
 * sleep, unless it is empty or fails in its first step; only a child spawned with `start` calls
 * `started`, and it calls it in its top-level body; ids are unique; every
 * event, lock, semaphore and channel operation has a sleep and a patience
 * of its own (rule 8; distinct powers of two like every duration), the
 * body of a `withLock` or `withPermit` ends with a sleep of its own, a
 * shared object is used with one parameter (a semaphore's initial value, a
 * channel's capacity), and no task acquires a lock inside its own
 * `withLock` of it. The kit cannot look inside custom statements: only
 * their durations are checked.
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
  const params = new Map<string, number>();
  /** A shared object is made at its first use: every use must ask for the same parameter. */
  const shared = (object: string, param: number, what: string): void => {
    const known = params.get(object);
    if (known === undefined) params.set(object, param);
    else if (known !== param) out.push(`${object} is used with ${what} ${known} and ${param}`);
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

  /** Checks a child's body: a task of its own, seeing the handles of its spawner. */
  const child = (
    task: TaskSpec,
    place: Place,
    nurseries: readonly VisibleNursery[],
    startChild: boolean,
    fresh: boolean,
  ): void => {
    const handles = place.handles.map((h): Handle => ({ ...h }));
    block(
      task.body,
      { task, startChild, nurseries, fresh, cleanup: false, held: [], handles },
      true,
    );
  };

  const failsAtOnce = (task: TaskSpec): boolean => {
    const first = task.body[0];
    return first?.kind === "throw" && first.after === null;
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
        for (const handle of place.handles) if (handle.into === stmt.id) handle.finished = true;
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
        if (failsAtOnce(task)) {
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
        child(task, place, place.nurseries.slice(0, at + 1), startChild, true);
        if (!startChild) place.handles.push({ id: task.id, into: stmt.into, finished: false });
        return;
      }
      case "try":
        id(stmt.id);
        block(stmt.body, place, false);
        if (stmt.onCancelled !== null) block(stmt.onCancelled, { ...place, cleanup: true }, false);
        if (stmt.cleanup !== null) block(stmt.cleanup.body, { ...place, cleanup: true }, false);
        return;
      case "join": {
        const handle = place.handles.find((h) => h.id === stmt.target);
        if (handle === undefined) {
          out.push(
            `join ${stmt.target} ${where}: ${stmt.target} is not a task started earlier with startSoon or startTask that this code can see`,
          );
        }
        if (stmt.after !== null) duration(stmt.after, `the sleep before join ${stmt.target}`);
        else if (handle !== undefined && !handle.finished) {
          out.push(
            `join ${stmt.target} ${where} has no sleep of its own, but ${stmt.target}'s nursery ${handle.into} may still be open`,
          );
        }
        if (stmt.after === null && stmt.rethrow) {
          out.push(`join ${stmt.target} ${where} rethrows, so it must come after a sleep`);
        }
        return;
      }
      case "call":
        id(stmt.id);
        duration(stmt.after, `the sleep before call ${stmt.id}`);
        if (typeof stmt.settle === "number") {
          duration(stmt.settle, `the promise of call ${stmt.id}`);
        } else {
          if (stmt.rejects !== null) {
            out.push(
              `call ${stmt.id} rejects ${stmt.rejects}, so its promise must settle after a duration`,
            );
          }
        }
        return;
      case "group": {
        id(stmt.id);
        if (stmt.after !== null) duration(stmt.after, `the sleep before ${stmt.op} ${stmt.id}`);
        for (const task of stmt.children) {
          id(task.id);
          if (failsAtOnce(task)) {
            if (stmt.after === null) {
              out.push(
                `${task.id} throws in its first step, so ${stmt.op} ${stmt.id} must come after a sleep`,
              );
            }
            if (place.cleanup) {
              out.push(
                `${task.id} throws in its first step, so ${stmt.op} ${stmt.id} cannot be in a finally or catch block`,
              );
            }
          }
          const last = task.body[task.body.length - 1];
          if (stmt.op === "race" && last?.kind !== "sleep" && !endsAtOnce(task)) {
            out.push(
              `${task.id} is a child of race ${stmt.id}, so it must end with a sleep of its own (or at once)`,
            );
          }
          child(task, place, place.nurseries, false, place.fresh && stmt.after === null);
        }
        return;
      }
      case "set":
        duration(stmt.after, `the sleep before set ${stmt.event} ${where}`);
        return;
      case "wait":
        duration(stmt.after, `the sleep before wait ${stmt.event} ${where}`);
        duration(stmt.patience, `the patience of wait ${stmt.event} ${where}`);
        return;
      case "lock":
        duration(stmt.after, `the sleep before withLock ${stmt.lock} ${where}`);
        duration(stmt.patience, `the patience of withLock ${stmt.lock} ${where}`);
        if (place.held.includes(stmt.lock)) {
          out.push(`${place.task.id} acquires ${stmt.lock} again inside its withLock ${stmt.lock}`);
        }
        if (stmt.body[stmt.body.length - 1]?.kind !== "sleep") {
          out.push(`the body of withLock ${stmt.lock} ${where} must end with a sleep of its own`);
        }
        block(stmt.body, { ...place, held: [...place.held, stmt.lock] }, false);
        return;
      case "permit":
        duration(stmt.after, `the sleep before withPermit ${stmt.semaphore} ${where}`);
        duration(stmt.patience, `the patience of withPermit ${stmt.semaphore} ${where}`);
        shared(stmt.semaphore, stmt.initial, "initial value");
        if (stmt.body[stmt.body.length - 1]?.kind !== "sleep") {
          out.push(
            `the body of withPermit ${stmt.semaphore} ${where} must end with a sleep of its own`,
          );
        }
        block(stmt.body, place, false);
        return;
      case "send":
        id(stmt.id);
        duration(stmt.after, `the sleep before send ${stmt.id}`);
        duration(stmt.patience, `the patience of send ${stmt.id}`);
        shared(stmt.channel, stmt.capacity, "capacity");
        return;
      case "receive":
        duration(stmt.after, `the sleep before receive ${stmt.channel} ${where}`);
        duration(stmt.patience, `the patience of receive ${stmt.channel} ${where}`);
        shared(stmt.channel, stmt.capacity, "capacity");
        return;
      case "close":
        duration(stmt.after, `the sleep before close ${stmt.channel} ${where}`);
        shared(stmt.channel, stmt.capacity, "capacity");
        return;
      case "custom":
        id(stmt.id);
        stmt.durations.forEach((ms, i) => duration(ms, `duration ${i} of ${stmt.id}`));
        if (stmt.body !== null) block(stmt.body, place, false);
        return;
    }
  };

  id(program.main.id);
  block(
    program.main.body,
    {
      task: program.main,
      startChild: false,
      nurseries: [],
      fresh: false,
      cleanup: false,
      held: [],
      handles: [],
    },
    true,
  );
  for (const [ms, count] of durations) {
    if (count > 1) out.push(`the duration ${ms} is used ${count} times`);
  }
  return out;
}
