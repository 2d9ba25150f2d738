/**
 * Timeouts for copse, bound to the current task.
 *
 * @packageDocumentation
 */
export { moveOnAfter, moveOnAt, failAfter, failAt, type TimeoutBody } from "./timeouts.js";
export { TimeoutError } from "./timeout-error.js";
export { currentEffectiveDeadline } from "@copse/core/internal";
