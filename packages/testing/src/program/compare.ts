import type { Trace } from "./trace.js";

/**
 * The seven senses in which two runs must be "the same" (docs/eager-lazy.md of the
 * semantics catalogue):
 * 1 outcomes, 2 group error sets, 3 cleanup exactly once (and per-task
 * logs), 4 scope flags, 5 timing, 6 current task, 7 no extra effects.
 */
export type Sense = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** The short names of the {@link Sense}s, for messages. */
export const SENSE_NAMES: Readonly<Record<Sense, string>> = Object.freeze({
  1: "outcome",
  2: "group errors",
  3: "cleanup and logs",
  4: "scope flags",
  5: "timing",
  6: "current task",
  7: "extra effects",
});

/** One way in which a run broke the eager≡lazy contract (docs/eager-lazy.md): a difference between two runs, or a rule broken in one run. */
export interface Finding {
  /** Which sense of docs/eager-lazy.md it breaks. */
  readonly sense: Sense;
  /** What it is about: `t3.outcome`, `n2.result`, `x1.runs`, `finalTime`, ... */
  readonly where: string;
  /** A readable sentence with the values involved. */
  readonly message: string;
}

const show = (value: unknown): string =>
  value === undefined ? "(absent)" : typeof value === "string" ? value : JSON.stringify(value);

/** Formats a finding as one line: `[sense 1 outcome] t3.outcome: ...`. */
export function formatFinding(finding: Finding): string {
  return `[sense ${finding.sense} ${SENSE_NAMES[finding.sense]}] ${finding.where}: ${finding.message}`;
}

/**
 * The differences between two traces of the same program, in the seven
 * senses of docs/eager-lazy.md; empty when the runs are the same. Everything a trace
 * holds is compared except what docs/eager-lazy.md allows to differ (the order of events
 * of different tasks within one instant is not in a trace at all: each task
 * has its own log).
 */
export function compareTraces(a: Trace, b: Trace): Finding[] {
  const out: Finding[] = [];
  const la = a.starts;
  const lb = b.starts;
  const diff = (sense: Sense, where: string, x: unknown, y: unknown): void => {
    // Most fields are equal primitives: skip formatting them.
    if (x === y && (typeof x !== "object" || x === null)) return;
    if (show(x) !== show(y)) {
      out.push({ sense, where, message: `${la} ${show(x)}, ${lb} ${show(y)}` });
    }
  };
  diff(7, "crash", a.crash, b.crash);
  diff(7, "hang", a.hang, b.hang);
  diff(7, "spawned", a.spawned, b.spawned);
  for (const id of union(a.tasks, b.tasks)) {
    const x = a.tasks[id];
    const y = b.tasks[id];
    if (x === undefined || y === undefined) {
      diff(
        7,
        `${id}`,
        x === undefined ? undefined : "started",
        y === undefined ? undefined : "started",
      );
      continue;
    }
    diff(1, `${id}.outcome`, x.outcome, y.outcome);
    diff(7, `${id}.runs`, x.runs, y.runs);
    diff(5, `${id}.endTime`, x.endTime, y.endTime);
    diff(6, `${id}.wrongCurrent`, x.wrongCurrent, y.wrongCurrent);
    const at = firstDifference(x.log, y.log);
    if (at !== -1) {
      out.push({
        sense: 3,
        where: `${id}.log`,
        message: `differs at entry ${at}: ${la} [${x.log.join("; ")}], ${lb} [${y.log.join("; ")}]`,
      });
    }
  }
  for (const id of union(a.scopes, b.scopes)) {
    const x = a.scopes[id];
    const y = b.scopes[id];
    if (x === undefined || y === undefined) {
      diff(
        7,
        `${id}`,
        x === undefined ? undefined : "entered",
        y === undefined ? undefined : "entered",
      );
      continue;
    }
    const group = x.kind === "nursery" || x.kind === "all" || x.kind === "race";
    diff(group ? 2 : 4, `${id}.result`, x.result, y.result);
    diff(4, `${id}.cancelCalled`, x.cancelCalled, y.cancelCalled);
    diff(4, `${id}.cancelledCaught`, x.cancelledCaught, y.cancelledCaught);
    diff(6, `${id}.owner`, x.owner, y.owner);
    diff(6, `${id}.seenCurrent`, x.seenCurrent, y.seenCurrent);
    diff(5, `${id}.enteredAt`, x.enteredAt, y.enteredAt);
    diff(5, `${id}.deadline`, x.deadline, y.deadline);
    diff(5, `${id}.exitedAt`, x.exitedAt, y.exitedAt);
    diff(3, `${id}.outlived`, x.outlived, y.outlived);
  }
  for (const id of union(a.cleanups, b.cleanups)) {
    const x = a.cleanups[id];
    const y = b.cleanups[id];
    diff(3, `${id}.runs`, x?.runs, y?.runs);
    diff(3, `${id}.results`, x?.results, y?.results);
  }
  for (const id of union(a.calls, b.calls)) {
    const x = a.calls[id];
    const y = b.calls[id];
    diff(7, `${id}.called`, x?.called, y?.called);
    diff(3, `${id}.abandoned`, x?.abandoned, y?.abandoned);
    diff(3, `${id}.aborted`, x?.aborted, y?.aborted);
  }
  for (const id of union(a.shared, b.shared)) {
    diff(3, `${id}.final`, a.shared[id]?.final, b.shared[id]?.final);
  }
  diff(5, "finalTime", a.finalTime, b.finalTime);
  return out;
}

/**
 * The rules of docs/eager-lazy.md that every single run must keep, whatever the path: the
 * main task finished (no hang, no runtime crash); every started task began
 * running exactly once (a lazily started task runs even if cancelled before
 * its turn); every `finally` ran at most once; no task outlived its
 * nursery or group; `currentTask()` was the task itself in every step;
 * every scope, timeout, nursery and group is owned by the task whose code
 * entered it; a task's handle reports the outcome its own code ended with;
 * a `call` whose task stopped waiting for it aborted its signal; every
 * event, lock, semaphore and channel kept its promises (see
 * {@link SharedTrace}'s `violations`).
 */
export function traceViolations(trace: Trace): Finding[] {
  const out: Finding[] = [];
  const run = trace.starts;
  if (trace.crash !== null) {
    out.push({ sense: 7, where: "crash", message: `${run}: the runtime threw ${trace.crash}` });
  }
  if (trace.hang) {
    const stuck = Object.values(trace.tasks)
      .filter((t) => t.endTime === null)
      .map((t) => t.id);
    out.push({
      sense: 7,
      where: "hang",
      message: `${run}: the run cannot finish; unfinished tasks: ${stuck.join(", ") || "(none)"}`,
    });
  }
  for (const task of Object.values(trace.tasks)) {
    if (task.runs !== 1) {
      out.push({
        sense: 7,
        where: `${task.id}.runs`,
        message: `${run}: ${task.id} began ${task.runs} times (a started task always begins running, once)`,
      });
    }
    if (task.runs > 0 && task.outcome !== task.ownOutcome) {
      out.push({
        sense: 1,
        where: `${task.id}.outcome`,
        message: `${run}: the handle of ${task.id} says ${task.outcome}, its own code ended ${task.ownOutcome}`,
      });
    }
    if (task.wrongCurrent.length > 0) {
      out.push({
        sense: 6,
        where: `${task.id}.wrongCurrent`,
        message: `${run}: currentTask() was another task in ${task.id}'s steps: ${task.wrongCurrent.join("; ")}`,
      });
    }
  }
  for (const scope of Object.values(trace.scopes)) {
    if (
      scope.enteredAt !== null &&
      (scope.owner !== scope.task || scope.seenCurrent !== scope.task)
    ) {
      out.push({
        sense: 6,
        where: `${scope.id}.owner`,
        message: `${run}: ${scope.id} was entered by ${scope.task}'s code but owned by ${show(scope.owner)} (currentTask() ${show(scope.seenCurrent)})`,
      });
    }
    if (scope.outlived.length > 0) {
      out.push({
        sense: 3,
        where: `${scope.id}.outlived`,
        message: `${run}: ${scope.outlived.join(", ")} had not ended when ${scope.kind} ${scope.id} exited`,
      });
    }
  }
  for (const call of Object.values(trace.calls)) {
    if (call.abandoned && !call.aborted) {
      out.push({
        sense: 3,
        where: `${call.id}.aborted`,
        message: `${run}: ${call.task} stopped waiting for the promise of ${call.id}, but its signal did not abort`,
      });
    }
  }
  for (const shared of Object.values(trace.shared)) {
    for (const violation of shared.violations) {
      out.push({ sense: 3, where: `${shared.id}.violations`, message: `${run}: ${violation}` });
    }
  }
  for (const cleanup of Object.values(trace.cleanups)) {
    if (cleanup.runs > 1) {
      out.push({
        sense: 3,
        where: `${cleanup.id}.runs`,
        message: `${run}: the finally of ${cleanup.id} ran ${cleanup.runs} times`,
      });
    }
  }
  return out;
}

function union(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

function firstDifference(a: readonly string[], b: readonly string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}
