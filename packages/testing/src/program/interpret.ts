import {
  CancelScope,
  Cancelled,
  NurseryError,
  checkpoint,
  currentTask,
  nursery,
  sleep,
  type Nursery,
  type Operation,
  type Task,
} from "@copse/core";
import { runWith, type NurseryImpl, type SchedulePolicy } from "@copse/core/internal";
import { TimeoutError, failAfter, moveOnAfter } from "@copse/timeout";
import { VirtualClock } from "../virtual-clock.js";
import {
  ProgramError,
  type Block,
  type Cleanup,
  type Program,
  type Stmt,
  type TaskSpec,
  type Via,
} from "./ast.js";

/**
 * How the starts of a run are made: every `startSoon`/`startTask` of the
 * program forced lazy (`startSoon`), forced eager (`startTask`), or as the
 * program says (`mixed`). `start` statements are the same in every mode.
 */
export type StartsMode = "lazy" | "eager" | "mixed";

/** What happened to one task in a run. */
export interface TaskTrace {
  readonly id: string;
  /** How it was started in this run (`run` for the main task). */
  readonly via: Via | "run";
  /**
   * How it ended: `ok "<value>"`, `error <error>`, `cancelled`, or
   * `unfinished` (it never ended: a hang). From the task handle when there
   * is one, else as the task's own code saw it.
   */
  outcome: string;
  /**
   * Everything the task did, in order: one entry per statement reached and
   * per block entered, left, caught or cleaned up. An entry made while
   * `currentTask()` was another task ends with `@<that task>`.
   */
  readonly log: string[];
  /** Virtual time at which it ended, `null` if it never did. */
  endTime: number | null;
  /**
   * How it ended as its own code saw it (same forms as `outcome`); differs
   * from `outcome` only if the runtime's bookkeeping is wrong.
   */
  ownOutcome: string;
  /** How many times its body began (1, or 0 if it never ran). */
  runs: number;
  /** Log entries made while `currentTask()` was not this task (docs/cases.md X05). */
  readonly wrongCurrent: string[];
}

/** What happened to one scope, timeout or nursery in a run. */
export interface ScopeTrace {
  readonly id: string;
  readonly kind: "scope" | "moveOnAfter" | "failAfter" | "nursery";
  /** The task whose code entered it. */
  readonly task: string;
  /** The owner the runtime recorded for it (the task that entered it, docs/cases.md X06/X07). */
  owner: string | null;
  /** `currentTask().name` as seen right inside it. */
  seenCurrent: string | null;
  enteredAt: number | null;
  /** The absolute deadline once entered (`Infinity` for none). */
  deadline: number | null;
  exitedAt: number | null;
  cancelCalled: boolean;
  cancelledCaught: boolean;
  /**
   * How the block ended: `returned`, or `threw <error>`; for a nursery this
   * is its error set (a `NurseryError` printed with its members sorted).
   */
  result: string | null;
  /** Tasks started into this nursery that had not ended when it exited (must be none). */
  readonly outlived: string[];
}

/** What happened to one `finally` block in a run. */
export interface CleanupTrace {
  readonly id: string;
  readonly task: string;
  /** How many times it began (at most 1). */
  runs: number;
  /** For each run: `completed` or `threw <error>`. */
  readonly results: string[];
}

/**
 * Everything observable about one run of a program: the input of
 * {@link compareTraces} and {@link traceViolations}. Plain data; records are
 * keyed by the program's ids.
 */
export interface Trace {
  readonly starts: StartsMode;
  readonly tasks: Record<string, TaskTrace>;
  readonly scopes: Record<string, ScopeTrace>;
  readonly cleanups: Record<string, CleanupTrace>;
  /** Virtual time when the run ended. */
  finalTime: number;
  /** Children started (every `spawn` statement reached). */
  spawned: number;
  /** Whether the run stopped with tasks that could never finish. */
  hang: boolean;
  /** An error that escaped the runtime itself (not a task), if any. */
  crash: string | null;
}

/** Options of {@link interpret}. */
export interface InterpretOptions {
  /** How starts are made (see {@link StartsMode}). */
  readonly starts: StartsMode;
  /** A schedule policy for the runtime (`@copse/core/internal`); FIFO by default. */
  readonly policy?: SchedulePolicy;
}

/**
 * A canonical description of an error for traces: `Cancelled`,
 * `ProgramError(e3)`, `TimeoutError(<deadline>)`, `NurseryError[...]` with
 * its members described and sorted (groups compare as multisets), or
 * `Name(message)`.
 */
export function describeOutcomeError(error: unknown): string {
  if (error instanceof Cancelled) return "Cancelled";
  if (error instanceof NurseryError) {
    return `NurseryError[${error.errors.map(describeOutcomeError).sort().join(", ")}]`;
  }
  if (error instanceof ProgramError) return `ProgramError(${error.message})`;
  if (error instanceof TimeoutError) return `TimeoutError(${error.deadline})`;
  if (error instanceof Error) return `${error.name}(${error.message})`;
  return `thrown ${String(error)}`;
}

interface Context {
  readonly task: TaskTrace;
  /** Nurseries that lexically enclose this code, innermost last. */
  readonly nurseries: readonly { readonly id: string; readonly n: Nursery }[];
  /** The `started` callback when this is the code of a task spawned with `start`. */
  readonly started: ((value: string) => void) | null;
}

type Cancellable = { cancel(reason?: unknown): void };

class Interpreter {
  readonly trace: Trace;
  private readonly clock = new VirtualClock();
  private readonly handles = new Map<string, Task<unknown>>();
  private readonly objects = new Map<string, Cancellable>();
  private readonly scopeObjects = new Map<string, CancelScope>();

  constructor(
    private readonly program: Program,
    private readonly options: InterpretOptions,
  ) {
    this.trace = {
      starts: options.starts,
      tasks: {},
      scopes: {},
      cleanups: {},
      finalTime: 0,
      spawned: 0,
      hang: false,
      crash: null,
    };
  }

  run(): Trace {
    const main = this.program.main;
    const rec = this.newTask(main.id, "run");
    const ctx: Context = { task: rec, nurseries: [], started: null };
    try {
      const root = runWith(() => this.runTask(main, ctx), {
        clock: this.clock,
        name: main.id,
        ...(this.options.policy === undefined ? {} : { policy: this.options.policy }),
      });
      this.handles.set(main.id, root);
      this.objects.set(main.id, root);
      this.drive(root);
    } catch (error) {
      this.trace.crash = describeOutcomeError(error);
    }
    this.finish();
    // A detached copy: a broken runtime that goes on later (from a timer)
    // cannot change a trace that was already returned.
    return structuredClone(this.trace);
  }

  /**
   * Under a virtual clock a run that can finish does so inside `run()`: the
   * clock jumps whenever every task is blocked, and the runtime's fairness
   * budget counts 100 000 steps (far more than a generated program takes)
   * rather than wall time. A main task still running then can never finish.
   */
  private drive(root: Task<string>): void {
    if (!root.done) this.trace.hang = true;
  }

  private finish(): void {
    const trace = this.trace;
    trace.finalTime = this.clock.now();
    for (const rec of Object.values(trace.tasks)) rec.outcome = rec.ownOutcome;
    for (const [id, task] of this.handles) {
      const rec = trace.tasks[id]!;
      const outcome = task.outcome;
      rec.outcome =
        outcome === undefined
          ? "unfinished"
          : outcome.status === "ok"
            ? `ok ${JSON.stringify(outcome.value)}`
            : outcome.status === "error"
              ? `error ${describeOutcomeError(outcome.error)}`
              : "cancelled";
    }
    for (const [id, scope] of this.scopeObjects) {
      const rec = trace.scopes[id]!;
      rec.cancelCalled = scope.cancelCalled;
      rec.cancelledCaught = scope.cancelledCaught;
    }
  }

  private newTask(id: string, via: Via | "run"): TaskTrace {
    const rec: TaskTrace = {
      id,
      via,
      outcome: "unfinished",
      ownOutcome: "unfinished",
      log: [],
      endTime: null,
      runs: 0,
      wrongCurrent: [],
    };
    this.trace.tasks[id] = rec;
    return rec;
  }

  private newScope(id: string, kind: ScopeTrace["kind"], task: string): ScopeTrace {
    const rec: ScopeTrace = {
      id,
      kind,
      task,
      owner: null,
      seenCurrent: null,
      enteredAt: null,
      deadline: null,
      exitedAt: null,
      cancelCalled: false,
      cancelledCaught: false,
      result: null,
      outlived: [],
    };
    this.trace.scopes[id] = rec;
    return rec;
  }

  private log(ctx: Context, entry: string): void {
    const current = currentName();
    if (current !== ctx.task.id) {
      entry += ` @${current}`;
      ctx.task.wrongCurrent.push(entry);
    }
    ctx.task.log.push(entry);
  }

  private entered(rec: ScopeTrace, scope: CancelScope, owner: Task<unknown> | null): void {
    rec.enteredAt = this.clock.now();
    rec.owner = owner?.name ?? null;
    rec.seenCurrent = currentName();
    rec.deadline = scope.deadline;
    this.scopeObjects.set(rec.id, scope);
  }

  private *runTask(spec: TaskSpec, ctx: Context): Generator<unknown, string> {
    const rec = ctx.task;
    rec.runs++;
    this.log(ctx, "begin");
    try {
      yield* this.block(spec.body, ctx);
      rec.ownOutcome = `ok ${JSON.stringify(spec.value)}`;
      return spec.value;
    } catch (error) {
      rec.ownOutcome =
        error instanceof Cancelled ? "cancelled" : `error ${describeOutcomeError(error)}`;
      throw error;
    } finally {
      rec.endTime = this.clock.now();
    }
  }

  /** `sleep(ms)`, logged with the time it woke at (so logs compare timing too). */
  private *sleep(ms: number, ctx: Context): Generator<unknown, void> {
    this.log(ctx, `sleep(${ms})`);
    yield* sleep(ms);
    this.log(ctx, `woke at ${this.clock.now()}`);
  }

  private *block(block: Block, ctx: Context): Generator<unknown, void> {
    for (const stmt of block) yield* this.stmt(stmt, ctx);
  }

  private *stmt(stmt: Stmt, ctx: Context): Generator<unknown, void> {
    switch (stmt.kind) {
      case "sleep":
        yield* this.sleep(stmt.ms, ctx);
        return;
      case "checkpoint":
        this.log(ctx, "checkpoint");
        yield* checkpoint();
        return;
      case "cancel": {
        yield* this.sleep(stmt.after, ctx);
        const target = this.objects.get(stmt.target);
        this.log(ctx, `cancel ${stmt.target}${target === undefined ? " (not there yet)" : ""}`);
        target?.cancel();
        return;
      }
      case "throw":
        if (stmt.after !== null) yield* this.sleep(stmt.after, ctx);
        this.log(ctx, `throw ${stmt.error}`);
        throw new ProgramError(stmt.error);
      case "started": {
        yield* this.sleep(stmt.after, ctx);
        this.log(ctx, `started(${JSON.stringify(stmt.value)})`);
        if (ctx.started === null) throw new Error(`started() outside a task spawned with start`);
        ctx.started(stmt.value);
        return;
      }
      case "scope":
        yield* this.scope(stmt, ctx);
        return;
      case "timeout":
        yield* this.timeout(stmt, ctx);
        return;
      case "nursery":
        yield* this.nursery(stmt, ctx);
        return;
      case "spawn":
        yield* this.spawn(stmt, ctx);
        return;
      case "try":
        yield* this.try(stmt, ctx);
        return;
    }
  }

  /** Logs how a block statement ended and records it. */
  private *guarded(
    ctx: Context,
    rec: ScopeTrace,
    op: Operation<unknown>,
  ): Generator<unknown, void> {
    this.log(ctx, `enter ${rec.id}`);
    try {
      yield* op;
      rec.result = "returned";
      this.log(ctx, `leave ${rec.id}`);
    } catch (error) {
      rec.result = `threw ${describeOutcomeError(error)}`;
      this.log(ctx, `raise ${rec.id} ${describeOutcomeError(error)}`);
      throw error;
    } finally {
      rec.exitedAt = this.clock.now();
    }
  }

  private *scope(stmt: Extract<Stmt, { kind: "scope" }>, ctx: Context): Generator<unknown, void> {
    const rec = this.newScope(stmt.id, "scope", ctx.task.id);
    const scope = new CancelScope({
      shield: stmt.shield,
      ...(stmt.deadline === null ? {} : { relativeDeadline: stmt.deadline }),
    });
    this.objects.set(stmt.id, scope);
    yield* this.guarded(
      ctx,
      rec,
      scope.run((s) => this.inside(rec, s, s, ownerOf(s), stmt.body, ctx)),
    );
  }

  /**
   * The body of a scope, timeout or nursery: makes `target` what
   * `cancel(<id>)` cancels, records the entry, then runs `body`.
   */
  private *inside(
    rec: ScopeTrace,
    target: Cancellable,
    scope: CancelScope,
    owner: Task<unknown> | null,
    body: Block,
    ctx: Context,
  ): Generator<unknown, void> {
    this.objects.set(rec.id, target);
    this.entered(rec, scope, owner);
    yield* this.block(body, ctx);
  }

  private *timeout(
    stmt: Extract<Stmt, { kind: "timeout" }>,
    ctx: Context,
  ): Generator<unknown, void> {
    const rec = this.newScope(stmt.id, stmt.fail ? "failAfter" : "moveOnAfter", ctx.task.id);
    const body = (s: CancelScope): Operation<void> =>
      this.inside(rec, s, s, ownerOf(s), stmt.body, ctx);
    yield* this.guarded(
      ctx,
      rec,
      stmt.fail ? failAfter(stmt.ms, body) : moveOnAfter(stmt.ms, body),
    );
  }

  private *nursery(
    stmt: Extract<Stmt, { kind: "nursery" }>,
    ctx: Context,
  ): Generator<unknown, void> {
    const rec = this.newScope(stmt.id, "nursery", ctx.task.id);
    try {
      yield* this.guarded(
        ctx,
        rec,
        nursery((n) =>
          this.inside(rec, n, n.cancelScope, (n as NurseryImpl).owner, stmt.body, {
            ...ctx,
            nurseries: [...ctx.nurseries, { id: stmt.id, n }],
          }),
        ),
      );
    } finally {
      for (const rec2 of Object.values(this.trace.tasks)) {
        if (this.childOf.get(rec2.id) === stmt.id && rec2.endTime === null)
          rec.outlived.push(rec2.id);
      }
    }
  }

  /** The nursery each spawned task was started into. */
  private readonly childOf = new Map<string, string>();

  private *spawn(stmt: Extract<Stmt, { kind: "spawn" }>, ctx: Context): Generator<unknown, void> {
    const target = ctx.nurseries.find((n) => n.id === stmt.into);
    if (target === undefined) throw new Error(`spawn into ${stmt.into}: no such enclosing nursery`);
    const mode = this.options.starts;
    const via: Via =
      stmt.via === "start"
        ? "start"
        : mode === "lazy"
          ? "soon"
          : mode === "eager"
            ? "task"
            : stmt.via;
    const spec = stmt.task;
    if (stmt.after !== null) yield* this.sleep(stmt.after, ctx);
    const rec = this.newTask(spec.id, via);
    this.childOf.set(spec.id, stmt.into);
    this.trace.spawned++;
    this.log(ctx, `spawn ${spec.id}`);
    // The child sees the nurseries up to the one it lives in.
    const nurseries = ctx.nurseries.slice(0, ctx.nurseries.indexOf(target) + 1);
    const childCtx = (started: Context["started"]): Context => ({ task: rec, nurseries, started });
    const refused = (error: unknown): never => {
      if (rec.runs > 0) {
        // The task ran, yet starting it threw: a broken runtime.
        this.log(ctx, `spawn ${spec.id} threw ${describeOutcomeError(error)}`);
        throw error;
      }
      // Starting was refused (a closed nursery): there is no task.
      delete this.trace.tasks[spec.id];
      this.childOf.delete(spec.id);
      this.trace.spawned--;
      this.log(ctx, `spawn ${spec.id} refused: ${describeOutcomeError(error)}`);
      throw error;
    };
    if (via === "start") {
      let value: string;
      try {
        value = yield* target.n.start<string>((started) => this.runTask(spec, childCtx(started)), {
          name: spec.id,
        });
      } catch (error) {
        // `start` checks that the nursery is open when it starts running.
        if (rec.runs === 0) refused(error);
        throw error;
      }
      this.log(ctx, `start ${spec.id} returned ${JSON.stringify(value)}`);
      return;
    }
    const fn = (): Operation<string> => this.runTask(spec, childCtx(null));
    let handle: Task<string>;
    try {
      handle =
        via === "soon"
          ? target.n.startSoon(fn, { name: spec.id })
          : target.n.startTask(fn, { name: spec.id });
    } catch (error) {
      return refused(error);
    }
    this.handles.set(spec.id, handle);
    this.objects.set(spec.id, handle);
    this.log(ctx, `spawned ${spec.id}`);
  }

  private *try(stmt: Extract<Stmt, { kind: "try" }>, ctx: Context): Generator<unknown, void> {
    this.log(ctx, `try ${stmt.id}`);
    const cleanup = stmt.cleanup;
    const rec: CleanupTrace | null =
      cleanup === null ? null : { id: stmt.id, task: ctx.task.id, runs: 0, results: [] };
    if (rec !== null) this.trace.cleanups[stmt.id] = rec;
    try {
      yield* this.block(stmt.body, ctx);
    } catch (error) {
      if (error instanceof Cancelled) {
        if (stmt.onCancelled !== null) {
          this.log(ctx, `catch ${stmt.id} Cancelled`);
          yield* this.block(stmt.onCancelled, ctx);
          this.log(ctx, `rethrow ${stmt.id}`);
        }
        throw error;
      }
      if (!stmt.catchErrors) throw error;
      this.log(ctx, `swallow ${stmt.id} ${describeOutcomeError(error)}`);
    } finally {
      if (cleanup !== null && rec !== null) yield* this.cleanup(cleanup, rec, ctx);
    }
  }

  /** Runs a `finally` block (in a fresh shielded scope if asked) and records how it ended. */
  private *cleanup(cleanup: Cleanup, rec: CleanupTrace, ctx: Context): Generator<unknown, void> {
    rec.runs++;
    this.log(ctx, `finally ${rec.id}`);
    try {
      if (cleanup.shield) {
        yield* new CancelScope({ shield: true }).run(() => this.block(cleanup.body, ctx));
      } else {
        yield* this.block(cleanup.body, ctx);
      }
      rec.results.push("completed");
      this.log(ctx, `end finally ${rec.id}`);
    } catch (error) {
      rec.results.push(`threw ${describeOutcomeError(error)}`);
      throw error;
    }
  }
}

function currentName(): string {
  try {
    return currentTask().name;
  } catch {
    return "<no task>";
  }
}

/** The task the runtime recorded as the owner of a scope (kernel field, read for the trace). */
function ownerOf(scope: CancelScope): Task<unknown> | null {
  return (scope as unknown as { _owner?: Task<unknown> | null })._owner ?? null;
}

/**
 * Runs `program` on a fresh autojumping {@link VirtualClock}, with starts
 * made as `options.starts` says, and returns its {@link Trace}. Synchronous:
 * the program only waits on the virtual clock, so the run ends (or is found
 * to hang) before `interpret` returns.
 *
 * Every statement is logged in its task's log, together with the task
 * `currentTask()` returned if that was not the task itself; every scope,
 * timeout and nursery records its owner, deadline, flags, exit time and
 * result; every `finally` counts its runs.
 *
 * ```ts
 * import fc from "fast-check";
 * import { interpret, programArbitrary } from "@copse/testing";
 *
 * const [program] = fc.sample(programArbitrary(), { numRuns: 1, seed: 7 });
 * const trace = interpret(program!, { starts: "eager" });
 * if (trace.tasks["t0"]!.runs !== 1) throw new Error("the main task always runs once");
 * ```
 */
export function interpret(program: Program, options: InterpretOptions): Trace {
  return new Interpreter(program, options).run();
}
