/**
 * Schedule exploration and operation properties. copse owns its run queue,
 * so a test can choose which ready task runs next and which of several
 * timers due at the same instant fires first: {@link runScheduled} runs a
 * program under a {@link Schedule}, {@link exploreSchedules} lets
 * fast-check search for a schedule under which it fails (shrunk to few
 * deviations from FIFO, with a replay token), and {@link replaySchedule}
 * reruns one. {@link operationProperty} turns an operation into a
 * fast-check property run on a fresh virtual clock per input.
 *
 * @module
 */
export {
  FIFO,
  decodeSchedule,
  encodeSchedule,
  makeSchedule,
  scheduleArbitrary,
  type Choice,
  type ChoiceKind,
  type Deviation,
  type Schedule,
  type ScheduleArbitraryOptions,
} from "./schedule.js";
export {
  runScheduled,
  type Note,
  type RunScheduledOptions,
  type ScheduleContext,
  type ScheduledProgram,
  type ScheduledRun,
} from "./run.js";
export {
  ScheduleError,
  assertSchedules,
  exploreSchedules,
  formatChoices,
  formatExploration,
  replaySchedule,
  type ExploreOptions,
  type ScheduleExploration,
} from "./explore.js";
export {
  operationProperty,
  type OperationPredicate,
  type OperationPropertyOptions,
} from "./property.js";
