/**
 * copse: structured concurrency for TypeScript.
 *
 * @packageDocumentation
 */

// The model: operations, tasks, the clock.
export type { Operation } from "./kernel/operation.js";
export type { Task, Outcome } from "./kernel/task.js";
export type { Clock } from "./kernel/clock.js";
export { realClock } from "./kernel/clock.js";
export { Cancelled, NurseryError, type CancelSource } from "./kernel/errors.js";
export { EAGER_DEPTH_LIMIT } from "./kernel/eager.js";

// Primitives.
export { run, type RunOptions } from "./primitives/run.js";
export { currentTask } from "./primitives/current-task.js";
export { CancelScope, type CancelScopeOptions } from "./kernel/cancel-scope.js";
export { nursery, type Nursery, type StartOptions } from "./primitives/nursery.js";
export { sleep, sleepUntil } from "./primitives/sleep.js";
export { checkpoint } from "./primitives/checkpoint.js";
export { suspend } from "./primitives/suspend.js";
export { action, type ActionSetup } from "./primitives/action.js";
export { call, until } from "./primitives/call.js";
export { useAbortSignal } from "./primitives/abort-signal.js";

// Synchronization.
export { Event, type EventStatistics } from "./sync/event.js";
export { Lock, type LockStatistics } from "./sync/lock.js";
export { Semaphore, type SemaphoreOptions, type SemaphoreStatistics } from "./sync/semaphore.js";
export { CapacityLimiter, type CapacityLimiterStatistics } from "./sync/capacity-limiter.js";
export { Condition, type ConditionStatistics } from "./sync/condition.js";
export { type GuardedBody } from "./sync/guarded.js";

// Channels.
export { channel } from "./channel/channel.js";
export type { SendEnd } from "./channel/send-end.js";
export type { ReceiveEnd, TryReceiveResult } from "./channel/receive-end.js";
export type { ChannelStatistics } from "./channel/state.js";
export { EndOfChannel, ClosedResourceError, BrokenResourceError } from "./channel/errors.js";

// Combinators.
export { all } from "./combinators/all.js";
export { race } from "./combinators/race.js";
export { type OperationInput } from "./combinators/operation-input.js";
export {
  mapConcurrent,
  type ConcurrentResults,
  type MapConcurrentOptions,
  type Settled,
} from "./combinators/map-concurrent.js";
