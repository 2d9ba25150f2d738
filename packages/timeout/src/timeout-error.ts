/**
 * What `failAfter` and `failAt` throw when their deadline cancelled the
 * block (Trio's `TooSlowError`). `name === "TimeoutError"`.
 */
export class TimeoutError extends Error {
  /** The absolute clock time at which the block was cancelled. */
  readonly deadline: number;

  constructor(
    deadline: number,
    message = `the operation did not finish before its deadline (${deadline} ms)`,
  ) {
    super(message);
    this.name = "TimeoutError";
    this.deadline = deadline;
  }
}
