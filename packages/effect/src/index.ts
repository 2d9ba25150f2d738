/**
 * copse ⇄ Effect: run an Effect as a copse operation ({@link runEffect})
 * and a copse operation as an Effect ({@link fromOperation}), with copse
 * cancellation mapped to fiber interruption and back, each side waiting for
 * the other's cleanup.
 *
 * @packageDocumentation
 */
export { runEffect, type RunEffectOptions } from "./run-effect.js";
export { fromOperation, type FromOperationOptions } from "./from-operation.js";
export { EffectFailure } from "./effect-failure.js";
