/**
 * The cancellation-safety kit for downstream libraries:
 * {@link checkCancellationSafety} cancels an operation at every suspension
 * point, under timeouts, shields and sibling failures, and reports leaks,
 * double cleanups, swallowed `Cancelled`, tasks left running and slow
 * cancellation, with a virtual-time trace.
 *
 * @module
 */
export {
  CancellationSafetyError,
  assertCancellationSafety,
  checkCancellationSafety,
} from "./check.js";
export { formatSafetyFailure, formatSafetyReport } from "./report.js";
export { SiblingFailure } from "./scenario.js";
export type {
  CancellationSafetyOptions,
  SafetyBaseline,
  SafetyFailure,
  SafetyKit,
  SafetyReport,
  SafetyScenario,
  SafetySetup,
  SafetySubject,
  SafetyVariant,
  SafetyViolation,
  StartPath,
  TraceEvent,
  ViolationKind,
} from "./types.js";
