/**
 * Timeouts for copse, bound to the task that opens them: `moveOnAfter`,
 * `moveOnAt`, `failAfter`, `failAt`, `TimeoutError` and
 * `currentEffectiveDeadline`. Every timeout is a cancel scope with a
 * deadline; see the package README for a guide.
 *
 * @packageDocumentation
 */
export { moveOnAfter, moveOnAt, failAfter, failAt, type TimeoutBody } from "./timeouts.js";
export { TimeoutError } from "./timeout-error.js";
export { currentEffectiveDeadline } from "./effective-deadline.js";
