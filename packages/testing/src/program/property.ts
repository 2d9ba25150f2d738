import fc from "fast-check";
import type { Program } from "./ast.js";
import { programArbitrary, type ProgramOptions } from "./arbitrary.js";
import { compareTraces, formatFinding, traceViolations, type Finding } from "./compare.js";
import { interpret, type InterpretOptions } from "./interpret.js";
import type { StartsMode, Trace } from "./trace.js";

/** Options of {@link checkEquivalence} and {@link assertEquivalent}. */
export interface EquivalenceOptions {
  /**
   * The runs to make; every later one is compared with the first.
   * Default `["lazy", "eager", "mixed"]`.
   */
  readonly modes?: readonly StartsMode[];
  /** Options for every run (a schedule policy). */
  readonly interpret?: Omit<InterpretOptions, "starts">;
}

/** The result of running one program on several paths. */
export interface EquivalenceReport {
  readonly program: Program;
  /** One trace per mode, in the order of `modes`. */
  readonly traces: readonly Trace[];
  /** Rules broken within a run, then differences from the first run. Empty when the runs are the same. */
  readonly findings: readonly Finding[];
}

const DEFAULT_MODES: readonly StartsMode[] = ["lazy", "eager", "mixed"];

/**
 * Runs `program` once per mode (lazy, eager, mixed by default) and checks
 * The contract of docs/eager-lazy.md: each run keeps the per-run rules ({@link traceViolations}) and every
 * run is the same as the first ({@link compareTraces}).
 *
 * ```ts
 * import { build as b, checkEquivalence } from "@copse/testing";
 *
 * // A child that returns at once is done when startTask returns, not when
 * // startSoon does; nothing else may differ.
 * const program = b.program([b.nursery("n1", [b.spawn("task", "n1", b.task("t1", []))])]);
 * const report = checkEquivalence(program);
 * if (report.findings.length !== 0) throw new Error(report.findings[0]!.message);
 * if (report.traces.length !== 3) throw new Error("lazy, eager and mixed");
 * ```
 */
export function checkEquivalence(
  program: Program,
  options: EquivalenceOptions = {},
): EquivalenceReport {
  const modes = options.modes ?? DEFAULT_MODES;
  const traces = modes.map((starts) => interpret(program, { ...options.interpret, starts }));
  const findings: Finding[] = [];
  for (const trace of traces) findings.push(...traceViolations(trace));
  for (const trace of traces.slice(1)) findings.push(...compareTraces(traces[0]!, trace));
  return { program, traces, findings };
}

/** A readable account of a report: the program, then one line per finding. */
export function formatReport(report: EquivalenceReport): string {
  const lines = [
    "program:",
    report.program.toString().replace(/^/gm, "  "),
    report.findings.length === 0
      ? "the runs are the same"
      : `${report.findings.length} finding(s):`,
    ...report.findings.map((f) => `  ${formatFinding(f)}`),
  ];
  return lines.join("\n");
}

/** Thrown by {@link assertEquivalent}; carries the report. */
export class EquivalenceError extends Error {
  constructor(readonly report: EquivalenceReport) {
    super(`eager and lazy runs differ (docs/eager-lazy.md)\n${formatReport(report)}`);
    this.name = "EquivalenceError";
  }
}

/**
 * Throws an {@link EquivalenceError} describing every finding unless the
 * runs of `program` are the same in all seven senses of docs/eager-lazy.md. Use it as (or
 * inside) the predicate of a fast-check property.
 */
export function assertEquivalent(program: Program, options: EquivalenceOptions = {}): void {
  const report = checkEquivalence(program, options);
  if (report.findings.length > 0) throw new EquivalenceError(report);
}

/** Options of {@link equivalenceProperty}. */
export interface EquivalencePropertyOptions extends EquivalenceOptions {
  /** Where programs come from (default `programArbitrary(program)`). */
  readonly arbitrary?: fc.Arbitrary<Program>;
  /** Options for the default arbitrary. */
  readonly program?: ProgramOptions;
}

/**
 * The eager/lazy equivalence property: for every generated program, the
 * lazy, eager and mixed runs are the same (docs/eager-lazy.md). A plain
 * fast-check property: run it with `fc.assert` (which prints the seed, the
 * replay path and the shrunk program on failure) or `fc.check`.
 *
 * ```ts
 * import fc from "fast-check";
 * import { equivalenceProperty } from "@copse/testing";
 *
 * fc.assert(equivalenceProperty(), { numRuns: 50, seed: 1 });
 * ```
 */
export function equivalenceProperty(
  options: EquivalencePropertyOptions = {},
): fc.IPropertyWithHooks<[Program]> {
  const arbitrary = options.arbitrary ?? programArbitrary(options.program);
  return fc.property(arbitrary, (program) => assertEquivalent(program, options));
}
