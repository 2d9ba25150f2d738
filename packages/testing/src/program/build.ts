import {
  makeProgram,
  type Block,
  type CallSettle,
  type Cleanup,
  type CustomStmt,
  type Program,
  type Stmt,
  type TaskSpec,
  type Via,
} from "./ast.js";
import type { CustomStatementArbitrary } from "./custom.js";

/**
 * Builders for writing {@link Program}s by hand (in tests, docs and
 * downstream kits): each returns the plain statement object. Check a
 * hand-written program with {@link raceFreedomViolations} before using it in
 * an equivalence test.
 *
 * ```ts
 * import { build as b, checkEquivalence } from "@copse/testing";
 *
 * // X09: a child started into an already cancelled nursery.
 * const program = b.program([
 *   b.nursery("n1", [
 *     b.cancel(1, "n1"),
 *     b.spawn("task", "n1", b.task("t1", [b.try("x1", [b.sleep(2)], { cleanup: [] })])),
 *   ]),
 * ]);
 * const report = checkEquivalence(program);
 * if (report.findings.length > 0) throw new Error("X09 must be the same on both paths");
 * if (report.traces[0]!.tasks["t1"]!.outcome !== "cancelled") throw new Error("t1 is cancelled");
 * ```
 */
export const build = Object.freeze({
  /** The program whose main task `t0` runs `body` and returns `value`. */
  program(body: Block, value = "v0"): Program {
    return makeProgram({ id: "t0", body, value });
  },
  /** A task for `spawn` of {@link build}; it returns `value` (default `v<n>` for id `t<n>`). */
  task(id: string, body: Block, value = `v${id.replace(/^t/, "")}`): TaskSpec {
    return { id, body, value };
  },
  /** `sleep(ms)`. */
  sleep(ms: number): Stmt {
    return { kind: "sleep", ms };
  },
  /** `checkpoint()`. */
  checkpoint(): Stmt {
    return { kind: "checkpoint" };
  },
  /** `sleep(after); cancel(target)`. */
  cancel(after: number, target: string): Stmt {
    return { kind: "cancel", after, target };
  },
  /** `sleep(after); throw error` (`after: null`: throw at once, in the first step). */
  throw(after: number | null, error: string): Stmt {
    return { kind: "throw", after, error };
  },
  /** `sleep(after); started(value)` (in a task spawned with `start`). */
  started(after: number, value: string): Stmt {
    return { kind: "started", after, value };
  },
  /** A cancel scope with an optional relative deadline and shield. */
  scope(
    id: string,
    options: { readonly deadline?: number; readonly shield?: boolean },
    body: Block,
  ): Stmt {
    return {
      kind: "scope",
      id,
      deadline: options.deadline ?? null,
      shield: options.shield ?? false,
      body,
    };
  },
  /** `moveOnAfter(ms)`. */
  moveOnAfter(id: string, ms: number, body: Block): Stmt {
    return { kind: "timeout", id, fail: false, ms, body };
  },
  /** `failAfter(ms)`. */
  failAfter(id: string, ms: number, body: Block): Stmt {
    return { kind: "timeout", id, fail: true, ms, body };
  },
  /** A nursery. */
  nursery(id: string, body: Block): Stmt {
    return { kind: "nursery", id, body };
  },
  /** Starts `task` in nursery `into`, optionally after a sleep of its own. */
  spawn(via: Via, into: string, task: TaskSpec, options: { readonly after?: number } = {}): Stmt {
    return { kind: "spawn", after: options.after ?? null, via, into, task };
  },
  /** `try`/`catch Cancelled` (rethrows)/swallow other errors/`finally`. */
  try(
    id: string,
    body: Block,
    options: {
      readonly onCancelled?: Block;
      readonly catchErrors?: boolean;
      readonly cleanup?: Block;
      readonly shieldCleanup?: boolean;
    } = {},
  ): Stmt {
    const cleanup: Cleanup | null =
      options.cleanup === undefined
        ? null
        : { shield: options.shieldCleanup ?? false, body: options.cleanup };
    return {
      kind: "try",
      id,
      body,
      onCancelled: options.onCancelled ?? null,
      catchErrors: options.catchErrors ?? false,
      cleanup,
    };
  },
  /** `sleep(after); join target` (`after: null`: a task whose nursery has exited). */
  join(after: number | null, target: string, options: { readonly rethrow?: boolean } = {}): Stmt {
    return { kind: "join", after, target, rethrow: options.rethrow ?? false };
  },
  /**
   * `sleep(after); call` of a promise settled after `settle` ms (or
   * `"now"`, or `"sync"`: no promise), rejecting with `rejects` if given.
   */
  call(
    id: string,
    after: number,
    settle: CallSettle,
    options: { readonly rejects?: string } = {},
  ): Stmt {
    return { kind: "call", id, after, settle, rejects: options.rejects ?? null };
  },
  /** `all([...children])`, optionally after a sleep of its own. */
  all(id: string, children: readonly TaskSpec[], options: { readonly after?: number } = {}): Stmt {
    return { kind: "group", id, op: "all", after: options.after ?? null, children };
  },
  /** `race([...children])`, optionally after a sleep of its own. */
  race(id: string, children: readonly TaskSpec[], options: { readonly after?: number } = {}): Stmt {
    return { kind: "group", id, op: "race", after: options.after ?? null, children };
  },
  /** `sleep(after); set event`. */
  set(after: number, event: string): Stmt {
    return { kind: "set", after, event };
  },
  /** `sleep(after); wait event`, giving up after `patience`. */
  wait(after: number, event: string, patience: number): Stmt {
    return { kind: "wait", after, event, patience };
  },
  /** `sleep(after); withLock(lock) { body }`, the acquire giving up after `patience`. */
  withLock(after: number, lock: string, patience: number, body: Block): Stmt {
    return { kind: "lock", after, lock, patience, body };
  },
  /**
   * `sleep(after); withPermit(semaphore) { body }` of a semaphore made
   * with `initial` permits, the acquire giving up after `patience`.
   */
  withPermit(
    after: number,
    semaphore: string,
    initial: number,
    patience: number,
    body: Block,
  ): Stmt {
    return { kind: "permit", after, semaphore, initial, patience, body };
  },
  /** `sleep(after); send id` into `channel` of `capacity`, giving up after `patience`. */
  send(id: string, after: number, channel: string, capacity: number, patience: number): Stmt {
    return { kind: "send", id, after, channel, capacity, patience };
  },
  /** `sleep(after); receive` from `channel` of `capacity`, giving up after `patience`. */
  receive(after: number, channel: string, capacity: number, patience: number): Stmt {
    return { kind: "receive", after, channel, capacity, patience };
  },
  /** `sleep(after); close` the send or receive end of `channel` of `capacity`. */
  close(after: number, channel: string, capacity: number, end: "send" | "receive"): Stmt {
    return { kind: "close", after, channel, capacity, end };
  },
  /** A statement of a kind made with {@link defineStatement}. */
  custom<D>(
    kind: CustomStatementArbitrary<D>,
    id: string,
    options: { readonly data?: D; readonly durations?: readonly number[]; readonly body?: Block },
  ): Stmt {
    const stmt: CustomStmt<D> = {
      kind: "custom",
      def: kind.definition,
      id,
      data: options.data as D,
      durations: options.durations ?? [],
      body: options.body ?? null,
    };
    return stmt as CustomStmt;
  },
});
