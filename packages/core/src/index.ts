/**
 * copse: structured concurrency for TypeScript.
 *
 * @packageDocumentation
 */
export type { Operation } from "./operation.js";
export type { Task, Outcome } from "./task.js";
export type { Clock } from "./clock.js";
export { realClock } from "./clock.js";
export { Cancelled, NurseryError, type CancelSource } from "./errors.js";
export { CancelScope, type CancelScopeOptions } from "./cancel-scope.js";
export { nursery, type Nursery, type StartOptions } from "./nursery.js";
export { run, type RunOptions } from "./run.js";
export { currentTask } from "./current-task.js";
export { sleep, sleepUntil, checkpoint, suspend } from "./sleep.js";
export { action, type ActionSetup } from "./action.js";
export { call, until } from "./call.js";
export { useAbortSignal } from "./abort-signal.js";
export { all, type OperationInput } from "./all.js";
export { race } from "./race.js";
export { EAGER_DEPTH_LIMIT } from "./kernel.js";
export {
  mapConcurrent,
  type ConcurrentResults,
  type MapConcurrentOptions,
} from "./map-concurrent.js";
