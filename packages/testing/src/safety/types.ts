import type { Nursery, Operation } from "@copse/core";
import type { VirtualClock } from "../virtual-clock.js";

/**
 * What the kit hands to a {@link SafetySetup}: probes to report resources
 * and events to, the scenario's clock, and a nursery for long-lived tasks.
 * A fresh kit (and a fresh clock) is made for every scenario.
 */
export interface SafetyKit {
  /**
   * Reports that `resource` was acquired (a connection checked out, a file
   * opened, a permit taken). Every acquisition must be matched by exactly
   * one {@link SafetyKit.released} of the same resource (compared with
   * `===`; omit it for a single anonymous resource) by the end of the
   * scenario. The same resource may be acquired again after its release.
   */
  acquired(resource?: unknown): void;
  /**
   * Reports that `resource` was released — call it from your cleanup
   * (`finally`, a teardown). Releasing more often than acquiring is a
   * violation (cleanup ran twice).
   */
  released(resource?: unknown): void;
  /** Adds a line, stamped with the virtual time, to the scenario's trace. */
  note(text: string): void;
  /** The scenario's VirtualClock (autojump on, starts at 0). */
  readonly clock: VirtualClock;
  /**
   * A nursery that outlives the operation, for long-lived tasks (a pool's
   * reaper, a keep-alive). Tasks the operation starts here must have ended
   * by the time it has ended (plus the cancel budget); the kit cancels the
   * others at the end of the scenario. Only available while the scenario
   * runs (read it inside your operations, not in the setup function).
   */
  readonly services: Nursery;
}

/**
 * What a {@link SafetySetup} returns: the operation under test and, if
 * needed, the activity around it.
 */
export interface SafetySubject<T> {
  /** The operation under test. It runs in its own task; the kit cancels it in many ways. */
  operation: () => Operation<T>;
  /**
   * Other tasks that make the situation realistic (a client holding the
   * last connection, a server answering). They start eagerly, in order,
   * before the operation, outside the scope the kit cancels (except in the
   * sibling-failure variant, where the whole nursery is cancelled); the kit
   * cancels them once the operation has ended.
   */
  background?: readonly (() => Operation<unknown>)[];
  /**
   * Checked after every scenario, when every task has ended: return a
   * message (or several) for each invariant that does not hold, e.g.
   * `pool.available === 2 || "a connection is missing from the pool"`.
   */
  check?: () => string | readonly string[] | boolean | undefined | void;
}

/**
 * Builds the subject of a cancellation-safety check. Called once per
 * scenario, so every scenario starts from fresh state (no state shared
 * between scenarios). May return just the operation.
 */
export type SafetySetup<T> = (kit: SafetyKit) => SafetySubject<T> | (() => Operation<T>);

/**
 * How the kit cancels the operation in a scenario.
 *
 * - `"cancel"`: the operation runs inside a cancel scope that the kit
 *   cancels at a suspension point;
 * - `"timeout"`: the operation runs inside `moveOnAfter(d)` whose deadline
 *   falls at one of the distinct instants of the uncancelled run;
 * - `"shield"`: the operation runs in a shielded scope inside the scope the
 *   kit cancels: it must behave exactly as if nothing was cancelled;
 * - `"sibling"`: a sibling task in the operation's nursery fails at a
 *   suspension point, which cancels the operation.
 */
export type SafetyVariant = "cancel" | "timeout" | "shield" | "sibling";

/** Whether the operation's task is started with `startTask` (eager) or `startSoon` (lazy). */
export type StartPath = "eager" | "lazy";

/** One run of the operation: the uncancelled baseline, or a variant at a point or deadline. */
export interface SafetyScenario {
  readonly variant: SafetyVariant | "baseline";
  readonly start: StartPath;
  /**
   * For `cancel`, `shield`, `sibling`: the suspension point — 0 is "before
   * the operation starts", k ≥ 1 is "before the runtime's k-th turn" (every
   * turn resumes some task from a suspension).
   */
  readonly point?: number;
  /** For `timeout`: the `moveOnAfter` duration (ms after the operation started). */
  readonly deadline?: number;
}

/** The rules the kit checks. */
export type ViolationKind =
  /** A resource acquired and never released by the end of the scenario. */
  | "leak"
  /** A resource released more often than it was acquired (cleanup ran twice). */
  | "double-release"
  /** The operation got `Cancelled` but returned a value or threw something else. */
  | "swallowed-cancelled"
  /** The operation took longer than the cancel budget to finish after the cancel. */
  | "slow-cancel"
  /** The operation (or the scenario) never finished; the kit gave up on it. */
  | "hang"
  /** A task the operation started in `kit.services` was still running after it ended. */
  | "task-left-running"
  /** Inside a shielded scope, the operation behaved differently from the uncancelled run. */
  | "shield"
  /** A background task or the scenario failed with an unexpected error. */
  | "error"
  /** The subject's `check` reported a broken invariant. */
  | "invariant";

/** One broken rule. */
export interface SafetyViolation {
  readonly kind: ViolationKind;
  readonly message: string;
}

/** A line of a scenario's virtual-time trace. */
export interface TraceEvent {
  readonly time: number;
  readonly text: string;
}

/** A scenario that broke at least one rule. */
export interface SafetyFailure {
  readonly scenario: SafetyScenario;
  /** The scenario in words, e.g. "cancel at point 2 (eager start): before turn 2, t=5 ms, …". */
  readonly description: string;
  readonly violations: readonly SafetyViolation[];
  /** What happened, in virtual time. */
  readonly trace: readonly TraceEvent[];
}

/** The suspension points and instants of one uncancelled run. */
export interface SafetyBaseline {
  readonly start: StartPath;
  /** Points the kit cancels at: 0 (before the start) through the turn in which the operation ended. */
  readonly points: number;
  /** The distinct instants (ms after the start) at which the operation was running. */
  readonly instants: readonly number[];
  /** How many times the operation suspended. */
  readonly suspensions: number;
  /** When the operation ended (ms after the start) and how. */
  readonly duration: number;
  readonly outcome: string;
}

/** The result of a cancellation-safety check. */
export interface SafetyReport {
  /** Whether every scenario passed. */
  readonly ok: boolean;
  /** The subject's name (the setup function's name, or `options.name`). */
  readonly name: string;
  /** How many scenarios ran (baselines included). */
  readonly scenarios: number;
  readonly baselines: readonly SafetyBaseline[];
  /** The failing scenarios, in the order they ran. */
  readonly failures: readonly SafetyFailure[];
  /** The whole report in words (what {@link CancellationSafetyError} says). */
  readonly text: string;
}

/** Options of {@link checkCancellationSafety}. */
export interface CancellationSafetyOptions {
  /** A name for the report (default: the setup function's name). */
  name?: string;
  /** Which variants to run (default: all four). */
  variants?: readonly SafetyVariant[];
  /** Which start paths to run the operation on (default: both). */
  starts?: readonly StartPath[];
  /**
   * How long (virtual ms) the operation may take to finish after it was
   * cancelled (default 0: cancellation takes effect within the same
   * instant). Raise it for cleanup that legitimately waits, e.g. a shielded
   * graceful close bounded by a timeout.
   */
  cancelBudget?: number;
  /** Turns after which a scenario is considered runaway and abandoned (default 10 000). */
  maxTurns?: number;
  /** Run only this scenario (after its baseline); the report of a failure prints it. */
  only?: SafetyScenario;
  /** How many failures the text report shows in detail (default 3; all are listed). */
  detail?: number;
}
