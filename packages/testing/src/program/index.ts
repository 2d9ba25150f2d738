/**
 * Generated concurrent programs and the eager/lazy equivalence property
 * (docs/eager-lazy.md): {@link programArbitrary} makes race-free programs,
 * {@link interpret} runs one on the virtual clock with starts forced lazy,
 * forced eager or mixed and returns a {@link Trace}, {@link compareTraces}
 * and {@link traceViolations} say how runs differ or break a rule, and
 * {@link equivalenceProperty} / {@link assertEquivalent} put it together.
 *
 * @module
 */
export {
  ProgramError,
  makeProgram,
  programSize,
  forEachStmt,
  type Block,
  type Cleanup,
  type Program,
  type Stmt,
  type TaskSpec,
  type Via,
} from "./ast.js";
export { build } from "./build.js";
export { raceFreedomViolations } from "./rules.js";
export {
  ALL_FEATURES,
  MAX_TIMED,
  programArbitrary,
  type ProgramFeatures,
  type ProgramOptions,
} from "./arbitrary.js";
export {
  describeOutcomeError,
  interpret,
  type CleanupTrace,
  type InterpretOptions,
  type ScopeTrace,
  type StartsMode,
  type TaskTrace,
  type Trace,
} from "./interpret.js";
export {
  SENSE_NAMES,
  compareTraces,
  formatFinding,
  traceViolations,
  type Finding,
  type Sense,
} from "./compare.js";
export {
  EquivalenceError,
  assertEquivalent,
  checkEquivalence,
  equivalenceProperty,
  formatReport,
  type EquivalenceOptions,
  type EquivalencePropertyOptions,
  type EquivalenceReport,
} from "./property.js";
