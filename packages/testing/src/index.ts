/**
 * `@copse/testing`: virtual time, generated programs and the eager/lazy
 * equivalence property, the cancellation-safety kit, and schedule
 * exploration. The vitest helpers are in `@copse/testing/vitest`.
 *
 * @packageDocumentation
 */

// Virtual time.
export { VirtualClock, type VirtualClockOptions } from "./virtual-clock.js";
export { waitAllTasksBlocked } from "@copse/core/internal";

// The program language: plain data, printed as pseudo-code.
export {
  ProgramError,
  build,
  forEachStmt,
  makeProgram,
  programSize,
  raceFreedomViolations,
  type Block,
  type CallSettle,
  type Cleanup,
  type CustomStmt,
  type Program,
  type Stmt,
  type TaskSpec,
  type Via,
} from "./program/index.js";

// Generating programs: the assembler and the statement kinds it composes.
export {
  ALL_FEATURES,
  MAX_TIMED,
  defaultStatements,
  defineStatement,
  programArbitrary,
  statements,
  type CustomStatementArbitrary,
  type ProgramFeatures,
  type ProgramOptions,
  type StatementArbitrary,
  type StatementContext,
  type StatementDefinition,
} from "./program/index.js";

// Running programs and comparing runs: the interpreter, traces, the equivalence property.
export {
  EquivalenceError,
  SENSE_NAMES,
  assertEquivalent,
  checkEquivalence,
  compareTraces,
  describeOutcomeError,
  equivalenceProperty,
  formatFinding,
  formatReport,
  interpret,
  traceViolations,
  type CallTrace,
  type CleanupTrace,
  type EquivalenceOptions,
  type EquivalencePropertyOptions,
  type EquivalenceReport,
  type Finding,
  type InterpretOptions,
  type ScopeTrace,
  type SharedTrace,
  type Sense,
  type StartsMode,
  type TaskTrace,
  type Trace,
} from "./program/index.js";

// Cancellation safety of your own operations.
export {
  CancellationSafetyError,
  SiblingFailure,
  assertCancellationSafety,
  checkCancellationSafety,
  formatSafetyFailure,
  formatSafetyReport,
  type CancellationSafetyOptions,
  type SafetyBaseline,
  type SafetyFailure,
  type SafetyKit,
  type SafetyReport,
  type SafetyScenario,
  type SafetySetup,
  type SafetySubject,
  type SafetyVariant,
  type SafetyViolation,
  type StartPath,
  type TraceEvent,
  type ViolationKind,
} from "./safety/index.js";

// Schedule exploration and properties over operations.
export {
  FIFO,
  ScheduleError,
  assertSchedules,
  decodeSchedule,
  encodeSchedule,
  exploreSchedules,
  formatChoices,
  formatExploration,
  makeSchedule,
  operationProperty,
  replaySchedule,
  runScheduled,
  scheduleArbitrary,
  type Choice,
  type ChoiceKind,
  type Deviation,
  type ExploreOptions,
  type Note,
  type OperationPredicate,
  type OperationPropertyOptions,
  type RunScheduledOptions,
  type Schedule,
  type ScheduleArbitraryOptions,
  type ScheduleContext,
  type ScheduledProgram,
  type ScheduledRun,
  type ScheduleExploration,
} from "./schedule/index.js";
