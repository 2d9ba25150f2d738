/**
 * vitest helpers for copse (`@copse/testing/vitest`; the main entry does not
 * import vitest): {@link copseTest} and {@link runOperation} run an
 * operation as a test on a fresh virtual clock, {@link copseProperty} runs
 * an operation per generated input, and {@link copseMatchers} adds
 * `expect(x).toBeNurseryError([...])`.
 *
 * @module
 */
// Operations as tests and properties.
export {
  copseProperty,
  copseTest,
  runOperation,
  type CopseTestContext,
  type CopseTestOptions,
  type RunOperationOptions,
} from "./run.js";
// The NurseryError matcher (describeMember/describePattern, which word its messages, stay internal).
export {
  copseMatchers,
  nurseryErrorMismatch,
  type CopseMatchers,
  type ErrorClass,
  type NurseryErrorMatchOptions,
  type NurseryErrorPattern,
} from "./matchers.js";
