/**
 * Generated concurrent programs and the eager/lazy equivalence property:
 * {@link programArbitrary} makes race-free programs from one
 * {@link StatementArbitrary} per statement kind, {@link interpret} runs one
 * on the virtual clock with starts forced lazy, forced eager or mixed and
 * returns a {@link Trace}, {@link compareTraces} and
 * {@link traceViolations} say how runs differ or break a rule, and
 * {@link equivalenceProperty} / {@link assertEquivalent} put it together.
 *
 * @module
 */

// The program language: plain data, printed as pseudo-code.
export {
  ProgramError,
  makeProgram,
  programSize,
  forEachStmt,
  type Block,
  type CallSettle,
  type Cleanup,
  type CustomStmt,
  type Program,
  type Stmt,
  type TaskSpec,
  type Via,
} from "./ast.js";
export { build } from "./build.js";
export { raceFreedomViolations } from "./rules.js";

// Generating programs: the assembler, its options, and the statement kinds it composes.
export { programArbitrary, type ProgramOptions } from "./arbitrary.js";
export { ALL_FEATURES, type ProgramFeatures } from "./features.js";
export { MAX_TIMED } from "./statements/normalize.js";
export { defaultStatements, statements } from "./statements/index.js";
export type { StatementArbitrary } from "./statements/types.js";
export {
  defineStatement,
  type CustomStatementArbitrary,
  type StatementContext,
  type StatementDefinition,
} from "./custom.js";

// Running programs: the interpreter and what it records.
export { interpret, type InterpretOptions } from "./interpret.js";
export {
  describeOutcomeError,
  type CallTrace,
  type CleanupTrace,
  type ScopeTrace,
  type SharedTrace,
  type StartsMode,
  type TaskTrace,
  type Trace,
} from "./trace.js";

// Comparing runs and the property.
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
