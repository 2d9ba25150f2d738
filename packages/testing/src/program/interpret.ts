import {
  BrokenResourceError,
  CancelScope,
  Cancelled,
  ClosedResourceError,
  EndOfChannel,
  all,
  call,
  checkpoint,
  nursery,
  race,
  sleep,
  type Nursery,
  type Operation,
  type Task,
} from "@copse/core";
import {
  abandonRun,
  kernel,
  runWith,
  type NurseryImpl,
  type SchedulePolicy,
  type TaskImpl,
} from "@copse/core/internal";
import { failAfter, moveOnAfter } from "@copse/timeout";
import { VirtualClock } from "../virtual-clock.js";
import {
  ProgramError,
  type Block,
  type Cleanup,
  type CustomStmt,
  type Program,
  type Stmt,
  type TaskSpec,
  type Via,
} from "./ast.js";
import { ClockPromise } from "./clock-promise.js";
import { SharedObjects } from "./shared-objects.js";
import {
  describeOutcomeError,
  type CallTrace,
  type CleanupTrace,
  type ScopeTrace,
  type StartsMode,
  type TaskTrace,
  type Trace,
} from "./trace.js";

type StmtOf<K extends Stmt["kind"]> = Extract<Stmt, { kind: K }>;

/** Options of {@link interpret}. */
export interface InterpretOptions {
  /** How starts are made (see {@link StartsMode}). */
  readonly starts: StartsMode;
  /** A schedule policy for the runtime (`@copse/core/internal`); FIFO by default. */
  readonly policy?: SchedulePolicy;
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
      calls: {},
      shared: {},
      finalTime: 0,
      spawned: 0,
      hang: false,
      crash: null,
    };
    this.shared = new SharedObjects(this.trace, this.clock);
  }

  private readonly shared: SharedObjects;

  run(): Trace {
    const main = this.program.main;
    const rec = this.newTask(main.id, "run");
    const ctx: Context = { task: rec, nurseries: [], started: null };
    let root: Task<string> | null = null;
    try {
      root = runWith(() => this.runTask(main, ctx), {
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
    if (root === null) return structuredClone(this.trace);
    // Nothing of this run is stepped again, so a broken runtime that would
    // go on later (from a timer) cannot change a trace already returned.
    abandonRun(root);
    return this.trace;
  }

  /**
   * Under a virtual clock a run that can finish does so inside `run()`: the
   * clock jumps whenever every task is blocked, and the runtime's fairness
   * budget counts 100 000 steps (far more than a generated program takes)
   * rather than wall time — except that the autojump waits while a `call`
   * promise is pending. Ours settle from timers of this clock, so while
   * one is pending and everything else is blocked, jump as the autojump
   * would. A main task still running then can never finish.
   */
  private drive(root: Task<string>): void {
    while (!root.done && this.pendingCalls > 0 && this.clock.onIdle());
    if (!root.done) this.trace.hang = true;
  }

  /** `call` promises created and not yet settled or abandoned. */
  private pendingCalls = 0;

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
    this.shared.finish(!trace.hang && trace.crash === null);
    for (const [id, scope] of this.scopeObjects) {
      const rec = trace.scopes[id]!;
      rec.cancelCalled = scope.cancelCalled;
      rec.cancelledCaught = scope.cancelledCaught;
    }
  }

  private newTask(id: string, via: TaskTrace["via"]): TaskTrace {
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
      case "join":
        yield* this.join(stmt, ctx);
        return;
      case "call":
        yield* this.call(stmt, ctx);
        return;
      case "group":
        yield* this.group(stmt, ctx);
        return;
      case "custom":
        yield* this.custom(stmt, ctx);
        return;
      case "set":
        yield* this.sleep(stmt.after, ctx);
        this.log(ctx, `set ${stmt.event}`);
        this.shared.event(stmt.event).set();
        return;
      case "wait":
        yield* this.wait(stmt, ctx);
        return;
      case "lock":
      case "permit":
        yield* this.guard(stmt, ctx);
        return;
      case "send":
        yield* this.send(stmt, ctx);
        return;
      case "receive":
        yield* this.receive(stmt, ctx);
        return;
      case "close": {
        yield* this.sleep(stmt.after, ctx);
        this.log(ctx, `close the ${stmt.end} end of ${stmt.channel}`);
        this.shared.channel(stmt.channel, stmt.capacity).closing(stmt.end);
        return;
      }
    }
  }

  /** `wait`: logs whether the event woke the task, its patience ran out, or it was cancelled. */
  private *wait(stmt: StmtOf<"wait">, ctx: Context): Generator<unknown, void> {
    yield* this.sleep(stmt.after, ctx);
    const model = this.shared.event(stmt.event);
    const task = ctx.task.id;
    this.log(ctx, `wait ${stmt.event}`);
    model.began(task);
    let box: Box<void>;
    try {
      box = yield* within(stmt.patience, model.event.wait());
    } catch (error) {
      model.gaveUp(task, this.gaveUp(ctx, `wait ${stmt.event}`, error));
      throw error;
    }
    if (box.done) {
      model.woken(task);
      this.log(ctx, `woken by ${stmt.event} at ${this.clock.now()}`);
    } else {
      model.gaveUp(task, "timed out");
      this.log(ctx, `wait ${stmt.event} timed out at ${this.clock.now()}`);
    }
  }

  /** Logs how a wait on a shared object ended with `error`; returns how, for the model. */
  private gaveUp(ctx: Context, what: string, error: unknown): string {
    const how =
      error instanceof Cancelled ? "was cancelled" : `threw ${describeOutcomeError(error)}`;
    this.log(ctx, `${what} ${how} at ${this.clock.now()}`);
    return how;
  }

  /** `withLock` / `withPermit`: acquire within the patience, run the body, release however it ends. */
  private *guard(stmt: StmtOf<"lock"> | StmtOf<"permit">, ctx: Context): Generator<unknown, void> {
    yield* this.sleep(stmt.after, ctx);
    const id = stmt.kind === "lock" ? stmt.lock : stmt.semaphore;
    const { model, object } =
      stmt.kind === "lock" ? this.shared.lock(id) : this.shared.semaphore(id, stmt.initial);
    const task = ctx.task.id;
    this.log(ctx, `acquire ${id}`);
    model.request(task);
    let box: Box<void>;
    try {
      box = yield* within(stmt.patience, object.acquire());
    } catch (error) {
      model.gaveUp(task, this.gaveUp(ctx, `acquire ${id}`, error));
      throw error;
    }
    if (!box.done) {
      model.gaveUp(task, "timed out");
      this.log(ctx, `acquire ${id} timed out at ${this.clock.now()}`);
      return;
    }
    model.acquired(task);
    this.log(ctx, `acquired ${id} at ${this.clock.now()}`);
    try {
      yield* this.block(stmt.body, ctx);
    } finally {
      model.released(task);
      object.release();
      this.log(ctx, `released ${id} at ${this.clock.now()}`);
    }
  }

  /** `send`: logs whether the value went, the patience ran out, the channel refused it, or the task was cancelled. */
  private *send(stmt: StmtOf<"send">, ctx: Context): Generator<unknown, void> {
    yield* this.sleep(stmt.after, ctx);
    const model = this.shared.channel(stmt.channel, stmt.capacity);
    this.log(ctx, `send ${stmt.id} to ${stmt.channel}`);
    model.sending(stmt.id);
    let box: Box<void>;
    try {
      box = yield* within(stmt.patience, model.send.send(stmt.id));
    } catch (error) {
      model.sendFailed(stmt.id);
      this.gaveUp(ctx, `send ${stmt.id}`, error);
      if (isChannelError(error)) return;
      throw error;
    }
    if (box.done) {
      model.sent(stmt.id);
      this.log(ctx, `sent ${stmt.id} at ${this.clock.now()}`);
    } else {
      model.sendFailed(stmt.id);
      this.log(ctx, `send ${stmt.id} timed out at ${this.clock.now()}`);
    }
  }

  /** `receive`: logs the value received, or that the patience ran out, the channel ended, or the task was cancelled. */
  private *receive(stmt: StmtOf<"receive">, ctx: Context): Generator<unknown, void> {
    yield* this.sleep(stmt.after, ctx);
    const model = this.shared.channel(stmt.channel, stmt.capacity);
    const task = ctx.task.id;
    this.log(ctx, `receive from ${stmt.channel}`);
    model.receiving(task);
    let box: Box<string>;
    try {
      box = yield* within(stmt.patience, model.receive.receive());
    } catch (error) {
      this.gaveUp(ctx, `receive from ${stmt.channel}`, error);
      if (isChannelError(error)) return;
      throw error;
    }
    if (box.done) {
      model.got(task, box.value!);
      this.log(ctx, `received ${box.value!} at ${this.clock.now()}`);
    } else {
      this.log(ctx, `receive from ${stmt.channel} timed out at ${this.clock.now()}`);
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

  private *scope(stmt: StmtOf<"scope">, ctx: Context): Generator<unknown, void> {
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

  private *timeout(stmt: StmtOf<"timeout">, ctx: Context): Generator<unknown, void> {
    const rec = this.newScope(stmt.id, stmt.fail ? "failAfter" : "moveOnAfter", ctx.task.id);
    const body = (s: CancelScope): Operation<void> =>
      this.inside(rec, s, s, ownerOf(s), stmt.body, ctx);
    yield* this.guarded(
      ctx,
      rec,
      stmt.fail ? failAfter(stmt.ms, body) : moveOnAfter(stmt.ms, body),
    );
  }

  private *nursery(stmt: StmtOf<"nursery">, ctx: Context): Generator<unknown, void> {
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
      this.recordOutlived(rec);
    }
  }

  /** The nursery or group each child task was started into. */
  private readonly childOf = new Map<string, string>();

  /** Records the children of a nursery or group that had not ended when it exited. */
  private recordOutlived(rec: ScopeTrace): void {
    for (const task of Object.values(this.trace.tasks)) {
      if (this.childOf.get(task.id) === rec.id && task.endTime === null) rec.outlived.push(task.id);
    }
  }

  private *spawn(stmt: StmtOf<"spawn">, ctx: Context): Generator<unknown, void> {
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

  private *try(stmt: StmtOf<"try">, ctx: Context): Generator<unknown, void> {
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

  /**
   * `join`: waits for a task handle and logs how it ended. A `Cancelled`
   * that is not the task's own ending is the joiner's cancellation: it
   * goes on up.
   */
  private *join(stmt: StmtOf<"join">, ctx: Context): Generator<unknown, void> {
    if (stmt.after !== null) yield* this.sleep(stmt.after, ctx);
    const handle = this.handles.get(stmt.target);
    if (handle === undefined) {
      this.log(ctx, `join ${stmt.target} (not started)`);
      return;
    }
    this.log(ctx, `join ${stmt.target}`);
    let outcome: string;
    let error: unknown = null;
    try {
      outcome = `ok ${JSON.stringify(yield* handle)}`;
    } catch (thrown) {
      if (!handle.done || (handle as TaskImpl<unknown>).rawResult !== thrown) throw thrown;
      outcome = thrown instanceof Cancelled ? "cancelled" : `error ${describeOutcomeError(thrown)}`;
      if (stmt.rethrow && !(thrown instanceof Cancelled)) error = thrown;
    }
    this.log(ctx, `joined ${stmt.target} at ${this.clock.now()}: ${outcome}`);
    if (error !== null) throw error;
  }

  /** `call`: waits for a promise of the virtual clock and records what happened to it. */
  private *call(stmt: StmtOf<"call">, ctx: Context): Generator<unknown, void> {
    const rec: CallTrace = {
      id: stmt.id,
      task: ctx.task.id,
      called: false,
      settled: false,
      abandoned: false,
      aborted: false,
    };
    yield* this.sleep(stmt.after, ctx);
    this.trace.calls[stmt.id] = rec;
    this.log(ctx, `call ${stmt.id}`);
    let value: string;
    try {
      value = yield* call((signal) => this.promise(stmt, rec, signal));
    } catch (error) {
      if (rec.called && !rec.settled) rec.abandoned = true;
      else if (rec.settled && error instanceof ProgramError && error.message === stmt.rejects) {
        this.log(ctx, `call ${stmt.id} rejected at ${this.clock.now()}`);
      }
      throw error;
    }
    this.log(ctx, `call ${stmt.id} returned ${JSON.stringify(value)} at ${this.clock.now()}`);
  }

  /** What `fn` of a `call` returns: a promise of this run's clock, or (`sync`) the value itself. */
  private promise(
    stmt: StmtOf<"call">,
    rec: CallTrace,
    signal: AbortSignal,
  ): PromiseLike<string> | string {
    rec.called = true;
    if (stmt.settle === "sync") {
      rec.settled = true;
      return stmt.id;
    }
    const at = stmt.settle === "now" ? null : this.clock.now() + stmt.settle;
    if (at !== null) this.pendingCalls++;
    const outcome =
      stmt.rejects === null
        ? ({ ok: true, value: stmt.id } as const)
        : ({ ok: false, error: new ProgramError(stmt.rejects) } as const);
    return new ClockPromise<string>(this.clock, at, outcome, signal, {
      settled: () => {
        rec.settled = true;
        if (at !== null) this.pendingCalls--;
      },
      aborted: () => {
        rec.aborted = true;
        this.pendingCalls--;
      },
    });
  }

  /** `all` / `race`: the children start eagerly, in order, in every run; the value is logged. */
  private *group(stmt: StmtOf<"group">, ctx: Context): Generator<unknown, void> {
    if (stmt.after !== null) yield* this.sleep(stmt.after, ctx);
    const rec = this.newScope(stmt.id, stmt.op, ctx.task.id);
    const children = stmt.children.map((spec) => this.groupChild(spec, stmt, ctx));
    this.log(ctx, `enter ${stmt.id}`);
    rec.enteredAt = this.clock.now();
    rec.owner = rec.seenCurrent = currentName();
    try {
      const value = JSON.stringify(
        stmt.op === "all" ? yield* all(children) : yield* race(children),
      );
      rec.result = `returned ${value}`;
      this.log(ctx, `leave ${stmt.id} ${value}`);
    } catch (error) {
      rec.result = `threw ${describeOutcomeError(error)}`;
      this.log(ctx, `raise ${stmt.id} ${describeOutcomeError(error)}`);
      throw error;
    } finally {
      rec.exitedAt = this.clock.now();
      this.recordOutlived(rec);
    }
  }

  /**
   * A child of a group: a function named after the child (the task's name
   * comes from it) that records the task when its first step begins — a
   * `race` does not start the children after one that finished at once.
   */
  private groupChild(spec: TaskSpec, stmt: StmtOf<"group">, ctx: Context): () => Operation<string> {
    const start = (): Operation<string> => {
      const rec = this.newTask(spec.id, stmt.op);
      this.childOf.set(spec.id, stmt.id);
      this.trace.spawned++;
      return this.runTask(spec, { task: rec, nurseries: ctx.nurseries, started: null });
    };
    Object.defineProperty(start, "name", { value: spec.id });
    return start;
  }

  /** A statement of a downstream kind: its definition runs it. */
  private *custom(stmt: CustomStmt, ctx: Context): Generator<unknown, void> {
    this.log(ctx, `${stmt.def.name} ${stmt.id}`);
    const op = stmt.def.run(stmt, {
      task: ctx.task.id,
      clock: this.clock,
      log: (entry) => this.log(ctx, entry),
      sleep: (ms) => this.sleep(ms, ctx),
      body: () => this.block(stmt.body ?? [], ctx),
    });
    if (op === null || typeof op !== "object" || typeof op[Symbol.iterator] !== "function") {
      throw new TypeError(
        `the run of statement kind ${JSON.stringify(stmt.def.name)} must return an operation (write it as a generator function, function*), got ${String(op)}`,
      );
    }
    yield* op;
  }
}

/** What a wait with a patience deadline got: `done` unless the patience ran out first. */
interface Box<T> {
  done: boolean;
  value: T | undefined;
}

/** Runs `wait` and records its value in `box`: the body of a patience scope. */
function* fill<T>(box: Box<T>, wait: Operation<T>): Generator<unknown, void> {
  box.value = yield* wait;
  box.done = true;
}

/**
 * `wait` inside a cancel scope whose relative deadline is `patience` (a
 * distinct power of two, so it fires first at an instant of its own). A
 * `Cancelled` from outside the scope goes on up.
 */
function* within<T>(patience: number, wait: Operation<T>): Generator<unknown, Box<T>> {
  const box: Box<T> = { done: false, value: undefined };
  yield* new CancelScope({ relativeDeadline: patience }).run(() => fill(box, wait));
  return box;
}

/** The errors a channel operation reports about the channel (a closed end), not about the program. */
function isChannelError(error: unknown): boolean {
  return (
    error instanceof ClosedResourceError ||
    error instanceof BrokenResourceError ||
    error instanceof EndOfChannel
  );
}

/**
 * The name of the task `currentTask()` returns (it reads `kernel.current`),
 * read directly: this runs for every log entry, and `currentTask()` throws
 * outside a task, which the old `try` paid for on every call.
 */
function currentName(): string {
  return kernel.current?.name ?? "<no task>";
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
  // Errors are thrown and caught by the thousand and their stacks are never
  // read: not capturing them makes a run about a tenth faster. The run is
  // synchronous, so the limit is back before any other code runs.
  // (`stackTraceLimit` is V8's; elsewhere setting it does nothing.)
  const errors = Error as { stackTraceLimit?: number };
  const limit = errors.stackTraceLimit;
  errors.stackTraceLimit = 0;
  try {
    return new Interpreter(program, options).run();
  } finally {
    errors.stackTraceLimit = limit;
  }
}
