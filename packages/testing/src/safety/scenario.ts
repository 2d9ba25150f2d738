import {
  CancelScope,
  Cancelled,
  NurseryError,
  nursery,
  sleep,
  suspend,
  type Nursery,
  type Operation,
  type Task,
} from "@copse/core";
import { kernel, waitAllTasksBlocked, type TaskImpl } from "@copse/core/internal";
import { moveOnAfter } from "@copse/timeout";
import { ControlledRun, describe, settle, type Settled } from "../schedule/control.js";
import { VirtualClock } from "../virtual-clock.js";
import type {
  SafetyKit,
  SafetyScenario,
  SafetySetup,
  SafetySubject,
  SafetyViolation,
  TraceEvent,
} from "./types.js";

/** The reason the kit gives when it cancels a scope. */
export const KIT_REASON = "copse cancellation-safety kit";

/** What the kit's sibling task throws in the sibling-failure variant. */
export class SiblingFailure extends Error {
  constructor() {
    super("the kit's sibling task failed (sibling-failure variant)");
    this.name = "SiblingFailure";
  }
}

/**
 * What the kit's outermost frame throws, instead of resuming the operation,
 * once it gives up on an operation that ran past its limits.
 */
class Abandoned extends Error {
  constructor() {
    super("the kit abandoned the operation (it ran past the limit)");
    this.name = "Abandoned";
  }
}

/** How the operation ended, as seen from its outermost frame. */
export interface OpEnd {
  readonly status: "ok" | "error" | "cancelled" | "abandoned";
  readonly value?: unknown;
  readonly error?: unknown;
  readonly time: number;
  readonly turn: number;
}

/** One turn of a baseline run, for describing points. */
export interface TurnInfo {
  readonly time: number;
  readonly ready: readonly string[];
  readonly suspensions: number;
  readonly started: boolean;
}

interface LedgerEntry {
  readonly label: string;
  acquired: number;
  released: number;
}

const ANONYMOUS = Symbol("resource");

/**
 * Whether `error` is the kit's `Abandoned`, or an error it caused: an
 * abandoned operation never leaves the scopes it entered, so the scope the
 * kit wrapped it in reports a corrupted scope stack, with `Abandoned` as cause.
 */
function causedByAbandon(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof Abandoned) return true;
  }
  return false;
}

function* suspendForever(): Generator<unknown, never> {
  return yield* suspend();
}

/** The limits a scenario runs under. */
export interface Limits {
  readonly cancelBudget: number;
  readonly maxTurns: number;
  /** Give up on the operation this long (ms) after the cancel, or after its start in a baseline. */
  readonly giveUpAfter: number;
}

/**
 * One scenario: a fresh clock, a fresh subject, the harness tasks, and
 * everything observed while it ran.
 */
export class Scenario {
  readonly clock = new VirtualClock();
  readonly ctl: ControlledRun;
  readonly trace: TraceEvent[] = [];
  readonly violations: SafetyViolation[] = [];
  readonly turns: TurnInfo[] = [];
  readonly subject: Required<Pick<SafetySubject<unknown>, "operation">> & SafetySubject<unknown>;

  private readonly ledger = new Map<unknown, LedgerEntry>();
  private readonly labels = new Map<object, string>();
  private servicesNursery: Nursery | null = null;
  private mainNursery: Nursery | null = null;
  private servicesBefore: ReadonlySet<Task<unknown>> = new Set();
  private readonly background: Task<unknown>[] = [];
  private readonly otherErrors: unknown[] = [];

  /** The scope the kit cancels (cancel, shield) or the timeout's scope. */
  kitScope: CancelScope | null = null;
  private readonly siblingScope = new CancelScope();
  private siblingFailsAtOnce = false;
  private triggered = false;

  opTask: Task<unknown> | null = null;
  opStart = Number.NaN;
  opEnd: OpEnd | null = null;
  suspensions = 0;
  delivered = 0;
  firstDelivery = Number.NaN;
  cancelAt = Number.NaN;
  abandon = false;
  settled: Settled = "done";

  constructor(
    readonly spec: SafetyScenario,
    setup: SafetySetup<unknown>,
    readonly limits: Limits,
    private readonly recordTurns: boolean,
  ) {
    this.ctl = new ControlledRun(this.clock, {
      onTurn: (turn, count) => this.onTurn(turn, count),
      onTimers: () => 0,
    });
    if (spec.variant === "cancel" || spec.variant === "shield") this.kitScope = new CancelScope();
    const built = setup(this.kit());
    this.subject = typeof built === "function" ? { operation: built } : built;
    if (typeof this.subject?.operation !== "function") {
      throw new TypeError(
        "a cancellation-safety setup must return the operation (a function returning an operation) or { operation, background?, check? }",
      );
    }
  }

  private kit(): SafetyKit {
    const servicesOf = (): Nursery => {
      const n = this.servicesNursery;
      if (n === null) {
        throw new Error(
          "kit.services is only available while the scenario runs: read it inside your operations, not in the setup function",
        );
      }
      return n;
    };
    return {
      acquired: (resource?: unknown) => this.acquired(resource),
      released: (resource?: unknown) => this.released(resource),
      note: (text: string) => this.event(text),
      clock: this.clock,
      get services(): Nursery {
        return servicesOf();
      },
    };
  }

  /** " (in <task>)" for the task running now, if any. */
  private inTask(): string {
    const task = kernel.current;
    return task === null ? "" : ` (in ${task.name})`;
  }

  event(text: string): void {
    this.trace.push({ time: this.clock.now(), text });
  }

  private label(resource: unknown): string {
    if (resource === ANONYMOUS) return "the resource";
    if (resource !== null && (typeof resource === "object" || typeof resource === "function")) {
      let label = this.labels.get(resource);
      if (label === undefined) {
        const named =
          (resource as { name?: unknown; id?: unknown }).name ?? (resource as { id?: unknown }).id;
        if (typeof named === "string" || typeof named === "number") label = String(named);
        else if (resource.toString !== Object.prototype.toString) label = String(resource);
        else {
          const ctor =
            (resource as { constructor?: { name?: string } }).constructor?.name || "resource";
          label = `${ctor}#${this.labels.size + 1}`;
        }
        this.labels.set(resource, label);
      }
      return label;
    }
    return String(resource);
  }

  private entry(resource: unknown): LedgerEntry {
    const key = resource === undefined ? ANONYMOUS : resource;
    let entry = this.ledger.get(key);
    if (entry === undefined) {
      entry = { label: this.label(key), acquired: 0, released: 0 };
      this.ledger.set(key, entry);
    }
    return entry;
  }

  private acquired(resource: unknown): void {
    const entry = this.entry(resource);
    entry.acquired++;
    this.event(`acquired ${entry.label}${this.inTask()}`);
  }

  private released(resource: unknown): void {
    const entry = this.entry(resource);
    entry.released++;
    this.event(`released ${entry.label}${this.inTask()}`);
    if (entry.released > entry.acquired) {
      this.violations.push({
        kind: "double-release",
        message: `${entry.label} was released ${entry.released} times but acquired ${entry.acquired} (at t=${this.clock.now()} ms): cleanup ran twice`,
      });
    }
  }

  /** The scope whose cancellation the kit causes: what a `Cancelled` must come from to count. */
  private cancelTarget(): CancelScope | null {
    switch (this.spec.variant) {
      case "cancel":
      case "timeout":
        return this.kitScope;
      case "sibling":
        return this.mainNursery?.cancelScope ?? null;
      default:
        return null;
    }
  }

  /**
   * Whether a `Cancelled` thrown into the operation now comes from the kit's
   * cancellation: the kit's scope is cancelled and no shield stands between
   * it and the operation's innermost scope. (A `Cancelled` from a timeout
   * inside a shielded cleanup is the operation's own business.)
   */
  private cancelFromKit(): boolean {
    const target = this.cancelTarget();
    const task = this.opTask as TaskImpl<unknown> | null;
    if (target === null || task === null || !target.cancelCalled) return false;
    for (let scope: typeof task.scope | null = task.scope; scope !== null; scope = scope._parent) {
      if (scope === target) return true;
      if (scope._shield) return false;
    }
    return false;
  }

  private onTurn(turn: number, count: number): number {
    if (this.recordTurns && this.opEnd === null) {
      this.turns.push({
        time: this.clock.now(),
        ready: this.ctl.readyNames(),
        suspensions: this.suspensions,
        started: !Number.isNaN(this.opStart),
      });
    }
    let pick = 0;
    if (!this.triggered && this.spec.point === turn) {
      const before = this.ctl.runtime?.queue.length ?? count;
      this.trigger();
      // The sibling woke up at the back of the queue: run it now, so it fails at this point.
      const after = this.ctl.runtime?.queue.length ?? count;
      if (this.spec.variant === "sibling" && after > before) pick = after - 1;
    }
    if (
      this.spec.variant === "timeout" &&
      Number.isNaN(this.cancelAt) &&
      this.kitScope?.cancelCalled
    ) {
      this.cancelAt = this.kitScope.deadline;
      this.trace.push({
        time: this.cancelAt,
        text: `◆ the deadline of moveOnAfter(${this.spec.deadline}) passes`,
      });
    }
    if (this.opEnd === null && !this.abandon) {
      const since = Number.isNaN(this.cancelAt) ? this.opStart : this.cancelAt;
      const late = this.clock.now() - since > this.limits.giveUpAfter;
      if (late || turn > this.limits.maxTurns) {
        this.abandon = true;
        this.event(
          late
            ? `the kit gives up on the operation (${this.clock.now() - since} ms after ${Number.isNaN(this.cancelAt) ? "its start" : "the cancel"})`
            : `the kit gives up on the operation (turn ${turn})`,
        );
      }
    }
    if (turn > this.limits.maxTurns * 2 && !this.ctl.abandonRequested) {
      // Something other than the operation runs away: give up on the whole run.
      this.ctl.abandonRequested = true;
      this.event(`the kit abandons the run (turn ${turn})`);
    }
    return pick;
  }

  private trigger(): void {
    this.triggered = true;
    this.cancelAt = this.clock.now();
    const at = this.spec.point === 0 ? "before the operation starts" : `point ${this.spec.point}`;
    switch (this.spec.variant) {
      case "cancel":
        this.event(`◆ the kit cancels the operation's scope (${at})`);
        this.kitScope!.cancel(KIT_REASON);
        break;
      case "shield":
        this.event(`◆ the kit cancels the scope around the operation's shield (${at})`);
        this.kitScope!.cancel(KIT_REASON);
        break;
      case "sibling":
        if (this.spec.point === 0) this.siblingFailsAtOnce = true;
        else this.siblingScope.cancel(KIT_REASON);
        break;
      default:
        break;
    }
  }

  /** Runs the scenario to its end. */
  async run(): Promise<void> {
    const root = this.ctl.start(() => harnessRoot(this), "copse-kit");
    this.settled = await settle(root, this.ctl);
    if (this.settled === "done") {
      const outcome = root.outcome!;
      if (outcome.status === "error") this.collect(outcome.error);
    }
  }

  // ---- harness callbacks ---------------------------------------------------

  enterServices(n: Nursery): void {
    this.servicesNursery = n;
  }

  enterMain(n: Nursery): void {
    this.mainNursery = n;
    const background = this.subject.background ?? [];
    background.forEach((fn, i) => {
      const name = fn.name === "" ? `background-${i + 1}` : fn.name;
      this.event(`background task ${name} starts`);
      this.background.push(n.startTask(fn, { name }));
    });
    if (this.spec.variant === "sibling") {
      if (this.spec.point === 0) this.trigger();
      n.startTask(() => siblingBody(this), { name: "failing-sibling" });
    } else if (this.spec.point === 0) {
      this.trigger();
    }
    const start = () => opBody(this);
    this.opTask =
      this.spec.start === "eager"
        ? n.startTask(start, { name: "operation" })
        : n.startSoon(start, { name: "operation" });
  }

  *siblingRun(): Generator<unknown, never> {
    if (!this.siblingFailsAtOnce) yield* this.siblingScope.run(suspendForever);
    this.event("◆ a sibling task fails");
    throw new SiblingFailure();
  }

  opStarted(): void {
    this.opStart = this.clock.now();
    this.servicesBefore = new Set(this.servicesNursery?.childTasks ?? []);
    this.event(`operation starts (${this.spec.start === "eager" ? "startTask" : "startSoon"})`);
  }

  opResumed(error: unknown, threw: boolean): void {
    if (!threw) return;
    if (error instanceof Cancelled && this.cancelFromKit()) {
      if (this.delivered === 0) this.firstDelivery = this.clock.now();
      this.delivered++;
    }
    this.event(`operation gets ${describe(error)}`);
  }

  opEnded(status: OpEnd["status"], result: unknown): void {
    if (this.opEnd !== null) return;
    this.opEnd = {
      status,
      ...(status === "ok" ? { value: result } : { error: result }),
      time: this.clock.now(),
      turn: this.ctl.turn,
    };
    this.event(
      status === "ok"
        ? `operation returns ${describe(result)}`
        : status === "cancelled"
          ? "operation ends with Cancelled"
          : status === "abandoned"
            ? "operation abandoned by the kit"
            : `operation throws ${describe(result)}`,
    );
  }

  /** Tasks the operation started in `services` that are still running. */
  leftRunning(): Task<unknown>[] {
    const services = this.servicesNursery;
    if (services === null) return [];
    return services.childTasks.filter((t) => !this.servicesBefore.has(t));
  }

  checkServices(): void {
    for (const task of this.leftRunning()) {
      this.violations.push({
        kind: "task-left-running",
        message: `the operation left task ${task.name} running in kit.services (still running at t=${this.clock.now()} ms, after the operation ended at t=${this.opEnd?.time} ms)`,
      });
    }
  }

  cancelBackground(): void {
    this.mainNursery?.cancel(KIT_REASON);
  }

  /** Sorts the errors that came out of the harness's nurseries. */
  collect(error: unknown): void {
    if (error instanceof NurseryError) {
      for (const member of error.errors) this.collect(member);
      return;
    }
    if (error instanceof SiblingFailure || error instanceof Cancelled || causedByAbandon(error))
      return;
    if (this.opEnd !== null && this.opEnd.status === "error" && this.opEnd.error === error) return;
    this.otherErrors.push(error);
  }

  /** The errors that neither the operation nor the kit produced. */
  get unexpectedErrors(): readonly unknown[] {
    return this.otherErrors;
  }

  /** Resources acquired more often than released. */
  leaks(): { label: string; acquired: number; released: number }[] {
    const leaks: { label: string; acquired: number; released: number }[] = [];
    for (const entry of this.ledger.values()) {
      if (entry.acquired > entry.released) leaks.push({ ...entry });
    }
    return leaks;
  }

  /** The errors background tasks failed with. */
  backgroundErrors(): unknown[] {
    return this.background
      .filter((t) => t.outcome?.status === "error")
      .map((t) => (t.outcome as { error: unknown }).error);
  }

  backgroundFailures(): string[] {
    return this.background
      .filter((t) => t.outcome?.status === "error" && !causedByAbandon(t.outcome.error))
      .map(
        (t) =>
          `background task ${t.name} failed: ${describe((t.outcome as { error: unknown }).error)}`,
      );
  }
}

function* harnessRoot(s: Scenario): Generator<unknown, void> {
  yield* nursery((services) => servicesBody(s, services));
}

function* servicesBody(s: Scenario, services: Nursery): Generator<unknown, void> {
  s.enterServices(services);
  try {
    yield* nursery((n) => mainBody(s, n));
  } catch (error) {
    s.collect(error);
  }
  services.cancel(KIT_REASON);
}

function* mainBody(s: Scenario, n: Nursery): Generator<unknown, void> {
  s.enterMain(n);
  yield* new CancelScope({ shield: true }).run(() => afterOperation(s));
  s.cancelBackground();
}

function* afterOperation(s: Scenario): Generator<unknown, void> {
  try {
    yield* s.opTask!;
  } catch {
    // how the operation ended is recorded by its guard
  }
  if (s.leftRunning().length > 0) {
    // Let tasks the operation cancelled on its way out finish.
    yield* waitAllTasksBlocked();
    const budget = s.limits.cancelBudget;
    if (s.leftRunning().length > 0 && budget > 0) {
      yield* sleep(budget);
      yield* waitAllTasksBlocked();
    }
  }
  s.checkServices();
}

function* siblingBody(s: Scenario): Generator<unknown, never> {
  return yield* s.siblingRun();
}

function* opBody(s: Scenario): Generator<unknown, unknown> {
  s.opStarted();
  switch (s.spec.variant) {
    case "cancel":
      return yield* s.kitScope!.run(() => guard(s));
    case "shield":
      return yield* s.kitScope!.run(() => new CancelScope({ shield: true }).run(() => guard(s)));
    case "timeout":
      return yield* moveOnAfter(s.spec.deadline ?? 0, (scope) => {
        s.kitScope = scope;
        return guard(s);
      });
    default:
      return yield* guard(s);
  }
}

const NEXT = 0;
const THROW = 1;

/**
 * The operation's outermost frame: drives the operation's iterator by hand
 * and passes every suspension through unchanged, so it sees each
 * resumption (and every `Cancelled` thrown in) and how the operation ends,
 * and can stop resuming an operation that ran away.
 */
function* guard(s: Scenario): Generator<unknown, unknown, unknown> {
  let it: Iterator<unknown, unknown, unknown>;
  try {
    const op: Operation<unknown> = s.subject.operation();
    it = op[Symbol.iterator]();
  } catch (error) {
    s.opEnded(error instanceof Cancelled ? "cancelled" : "error", error);
    throw error;
  }
  let mode = NEXT;
  let input: unknown = undefined;
  for (;;) {
    let r: IteratorResult<unknown, unknown>;
    try {
      if (mode === NEXT) r = it.next(input);
      else if (typeof it.throw === "function") r = it.throw(input);
      else throw input;
    } catch (error) {
      s.opEnded(error instanceof Cancelled ? "cancelled" : "error", error);
      throw error;
    }
    if (r.done === true) {
      s.opEnded("ok", r.value);
      return r.value;
    }
    s.suspensions++;
    try {
      input = yield r.value;
      mode = NEXT;
      s.opResumed(undefined, false);
    } catch (error) {
      input = error;
      mode = THROW;
      s.opResumed(error, true);
    }
    if (s.abandon) {
      s.opEnded("abandoned", undefined);
      throw new Abandoned();
    }
  }
}
