import { describe } from "../schedule/control.js";
import { Scenario, type OpEnd } from "./scenario.js";
import { formatSafetyReport } from "./report.js";
import type {
  CancellationSafetyOptions,
  SafetyBaseline,
  SafetyFailure,
  SafetyReport,
  SafetyScenario,
  SafetySetup,
  SafetyVariant,
  SafetyViolation,
  StartPath,
} from "./types.js";

const ALL_VARIANTS: readonly SafetyVariant[] = ["cancel", "sibling", "timeout", "shield"];
const ALL_STARTS: readonly StartPath[] = ["eager", "lazy"];
/** How long (virtual ms) an uncancelled run may take before the kit gives up on it. */
const BASELINE_LIMIT = 3_600_000;

/**
 * Checks that an operation is cancellation-safe: that wherever and however
 * it is cancelled, its cleanup runs exactly once, it lets `Cancelled`
 * propagate, it leaves no task running, and it finishes within
 * `cancelBudget` virtual ms of the cancel.
 *
 * The kit first runs the operation once, uncancelled, on a VirtualClock
 * (for each start path, `startTask` and `startSoon`), counting the turns of
 * the runtime — every turn resumes some task from a suspension — and the
 * distinct instants while the operation runs. Then it reruns it, from a
 * fresh `setup`, once per point and variant:
 *
 * - `cancel`: its enclosing scope is cancelled before turn k, for every k;
 * - `sibling`: a sibling task in its nursery fails before turn k;
 * - `timeout`: an enclosing `moveOnAfter` expires at each distinct instant;
 * - `shield`: the enclosing scope is cancelled before turn k, but the
 *   operation runs in a shielded scope: it must behave exactly as uncancelled.
 *
 * After every scenario it checks the ledger of `kit.acquired`/`kit.released`
 * (leaks, double releases), how the operation ended (a `Cancelled` thrown
 * into it must come out of it), when it ended, the tasks it left in
 * `kit.services`, errors of background tasks, and `subject.check()`.
 *
 * Returns a {@link SafetyReport}; never throws for an unsafe operation (see
 * {@link assertCancellationSafety}). Scenarios run one after another; most
 * finish synchronously, so a check of a small operation takes milliseconds.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { sleep } from "@copse/core";
 * import { checkCancellationSafety } from "@copse/testing";
 *
 * const report = await checkCancellationSafety(function fileCopy(kit) {
 *   return function* () {
 *     kit.acquired("file");
 *     try {
 *       yield* sleep(10); // copy
 *       yield* sleep(10); // flush
 *     } finally {
 *       kit.released("file");
 *     }
 *   };
 * });
 * assert.equal(report.ok, true, report.text);
 * ```
 */
export async function checkCancellationSafety<T>(
  setup: SafetySetup<T>,
  options: CancellationSafetyOptions = {},
): Promise<SafetyReport> {
  if (typeof setup !== "function") {
    throw new TypeError(
      `checkCancellationSafety expects a setup function (kit) => operation, got ${describe(setup)}`,
    );
  }
  const cancelBudget = options.cancelBudget ?? 0;
  const maxTurns = options.maxTurns ?? 10_000;
  if (!(cancelBudget >= 0))
    throw new RangeError(`cancelBudget must be a non-negative number of ms, got ${cancelBudget}`);
  if (!(maxTurns >= 1)) throw new RangeError(`maxTurns must be at least 1, got ${maxTurns}`);
  const variants = options.variants ?? ALL_VARIANTS;
  const starts = options.only !== undefined ? [options.only.start] : (options.starts ?? ALL_STARTS);
  const name = options.name ?? (setup.name === "" ? "operation" : setup.name);
  const run = setup as SafetySetup<unknown>;

  const baselines: SafetyBaseline[] = [];
  const failures: SafetyFailure[] = [];
  let scenarios = 0;

  for (const start of starts) {
    const baseSpec: SafetyScenario = { variant: "baseline", start };
    const base = new Scenario(
      baseSpec,
      run,
      { cancelBudget, maxTurns, giveUpAfter: BASELINE_LIMIT },
      true,
    );
    await base.run();
    scenarios++;
    const baseViolations = evaluate(base, null);
    if (baseViolations.length > 0) {
      failures.push(failureOf(base, base, baseViolations));
    }
    const end = base.opEnd;
    if (end === null || end.status === "abandoned" || base.settled !== "done") continue;
    const points = end.turn;
    const instants = distinctInstants(base);
    baselines.push({
      start,
      points: points + 1,
      instants,
      suspensions: base.suspensions,
      duration: end.time - base.opStart,
      outcome: describeEnd(end),
    });
    const limits = {
      cancelBudget,
      maxTurns,
      giveUpAfter: cancelBudget + (end.time - base.opStart) + 1,
    };
    const specs: SafetyScenario[] = [];
    for (const variant of variants) {
      if (variant === "timeout") {
        for (const deadline of instants) specs.push({ variant, start, deadline });
      } else {
        for (let point = 0; point <= points; point++) specs.push({ variant, start, point });
      }
    }
    for (const spec of specs) {
      if (options.only !== undefined && !sameScenario(spec, options.only)) continue;
      const scenario = new Scenario(spec, run, limits, false);
      await scenario.run();
      scenarios++;
      const violations = evaluate(scenario, base);
      if (violations.length > 0) failures.push(failureOf(scenario, base, violations));
    }
  }
  const partial = { ok: failures.length === 0, name, scenarios, baselines, failures };
  return { ...partial, text: formatSafetyReport(partial, options.detail ?? 3) };
}

/** What {@link assertCancellationSafety} throws: the report as message, and as `report`. */
export class CancellationSafetyError extends Error {
  constructor(readonly report: SafetyReport) {
    super(report.text);
    this.name = "CancellationSafetyError";
  }
}

/**
 * {@link checkCancellationSafety}, throwing a {@link CancellationSafetyError}
 * whose message is the readable report when any scenario breaks a rule.
 */
export async function assertCancellationSafety<T>(
  setup: SafetySetup<T>,
  options: CancellationSafetyOptions = {},
): Promise<SafetyReport> {
  const report = await checkCancellationSafety(setup, options);
  if (!report.ok) throw new CancellationSafetyError(report);
  return report;
}

function sameScenario(a: SafetyScenario, b: SafetyScenario): boolean {
  return (
    a.variant === b.variant &&
    a.start === b.start &&
    a.point === b.point &&
    a.deadline === b.deadline
  );
}

function distinctInstants(base: Scenario): number[] {
  const end = base.opEnd!;
  const times = new Set<number>([0, end.time - base.opStart]);
  for (const turn of base.turns) {
    if (turn.started && turn.time >= base.opStart) times.add(turn.time - base.opStart);
  }
  return [...times].sort((a, b) => a - b);
}

function describeEnd(end: OpEnd): string {
  switch (end.status) {
    case "ok":
      return `returned ${describe(end.value)}`;
    case "cancelled":
      return "ended with Cancelled";
    case "abandoned":
      return "was abandoned";
    default:
      return `threw ${describe(end.error)}`;
  }
}

function sameShape(a: unknown, b: unknown, depth = 0): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (depth > 4) return true;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Error) return a.message === (b as Error).message;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    sameShape((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1),
  );
}

function sameEnd(a: OpEnd, b: OpEnd): boolean {
  if (a.status !== b.status) return false;
  return a.status === "ok" ? sameShape(a.value, b.value) : sameShape(a.error, b.error);
}

function evaluate(s: Scenario, base: Scenario | null): SafetyViolation[] {
  const v: SafetyViolation[] = [...s.violations];
  const { cancelBudget, maxTurns } = s.limits;
  const end = s.opEnd;
  const cancelled = !Number.isNaN(s.cancelAt);
  if (s.settled !== "done") {
    v.push({
      kind: "hang",
      message:
        (s.settled === "deadlock"
          ? `the scenario never finished: every task is blocked for good and no timer is set (at t=${s.clock.now()} ms)`
          : s.settled === "stalled"
            ? `the scenario never finished: no progress while a promise was pending (at t=${s.clock.now()} ms)`
            : `the scenario ran away: still running after ${s.ctl.turn} turns (at t=${s.clock.now()} ms); the kit abandoned the run`) +
        (end === null
          ? "; the operation was still running"
          : `; the operation had ${describeEnd(end)}`),
    });
  } else if (end === null) {
    v.push({ kind: "hang", message: "the operation never finished" });
  }
  if (end !== null && end.status === "abandoned") {
    v.push({
      kind: "hang",
      message:
        s.spec.variant === "baseline"
          ? `without any cancellation the operation did not finish within ${maxTurns} turns or ${BASELINE_LIMIT} ms; the kit gave up on it`
          : `the operation was still running ${end.time - s.cancelAt} ms after the cancel (the cancel budget is ${cancelBudget} ms), after ${end.turn} turns; the kit abandoned it`,
    });
  } else if (end !== null) {
    if (s.delivered > 0 && end.status !== "cancelled") {
      v.push({
        kind: "swallowed-cancelled",
        message: `Cancelled was thrown into the operation ${s.delivered === 1 ? "once" : `${s.delivered} times`} (first at t=${s.firstDelivery} ms), but it ${describeEnd(end)} instead of letting Cancelled propagate`,
      });
    }
    if (
      cancelled &&
      s.spec.variant !== "shield" &&
      s.spec.variant !== "baseline" &&
      end.time >= s.cancelAt &&
      end.time - s.cancelAt > cancelBudget
    ) {
      v.push({
        kind: "slow-cancel",
        message: `the operation ended ${end.time - s.cancelAt} ms after the cancel (cancel at t=${s.cancelAt} ms, end at t=${end.time} ms); the cancel budget is ${cancelBudget} ms`,
      });
    }
    if (s.spec.variant === "shield" && base !== null && base.opEnd !== null) {
      const b = base.opEnd;
      const d = end.time - s.opStart;
      const bd = b.time - base.opStart;
      if (!sameEnd(end, b) || d !== bd) {
        v.push({
          kind: "shield",
          message: `inside a shielded scope the operation ${describeEnd(end)} ${d} ms after its start, but uncancelled it ${describeEnd(b)} after ${bd} ms: something reached through the shield`,
        });
      }
    }
  }
  for (const leak of s.leaks()) {
    v.push({
      kind: "leak",
      message: `${leak.label} was acquired ${times(leak.acquired)} but released ${times(leak.released)} by the end of the scenario`,
    });
  }
  for (const message of s.backgroundFailures()) v.push({ kind: "error", message });
  const backgroundErrors = new Set(s.backgroundErrors());
  for (const error of s.unexpectedErrors) {
    if (!backgroundErrors.has(error))
      v.push({ kind: "error", message: `unexpected error: ${describe(error)}` });
  }
  const check = s.subject.check;
  if (check !== undefined && s.settled === "done") {
    try {
      const verdict = check();
      const messages =
        verdict === false
          ? ["check() returned false"]
          : typeof verdict === "string"
            ? [verdict]
            : Array.isArray(verdict)
              ? (verdict as readonly string[])
              : [];
      for (const message of messages) v.push({ kind: "invariant", message });
    } catch (error) {
      v.push({ kind: "invariant", message: `check() threw ${describe(error)}` });
    }
  }
  return v;
}

function times(n: number): string {
  return n === 1 ? "once" : n === 2 ? "twice" : `${n} times`;
}

function pointWords(base: Scenario, point: number): string {
  if (point === 0) return "before the operation starts";
  const turn = base.turns[point - 1];
  if (turn === undefined) return `before turn ${point}`;
  const state = !turn.started
    ? "the operation has not started yet"
    : `the operation has suspended ${times(turn.suspensions)}`;
  return `before turn ${point}, t=${turn.time} ms, ready: [${turn.ready.join(", ")}]; ${state}`;
}

/** The scenario in words. */
export function describeScenario(spec: SafetyScenario, base: Scenario): string {
  const start = `${spec.start} start`;
  switch (spec.variant) {
    case "baseline":
      return `uncancelled run (${start})`;
    case "timeout":
      return `moveOnAfter(${spec.deadline}) around the operation (${start}): the deadline passes at t=${base.opStart + (spec.deadline ?? 0)} ms`;
    case "cancel":
      return `cancel at point ${spec.point} (${start}): ${pointWords(base, spec.point ?? 0)}`;
    case "sibling":
      return `sibling fails at point ${spec.point} (${start}): ${pointWords(base, spec.point ?? 0)}`;
    case "shield":
      return `cancel outside a shield at point ${spec.point} (${start}): ${pointWords(base, spec.point ?? 0)}`;
  }
}

function failureOf(s: Scenario, base: Scenario, violations: SafetyViolation[]): SafetyFailure {
  return {
    scenario: s.spec,
    description: describeScenario(s.spec, base),
    violations,
    trace: [...s.trace].sort((a, b) => a.time - b.time),
  };
}
