/**
 * The time source of a runtime. Every sleep and deadline in copse goes
 * through the clock of the runtime that `run` created; a runtime keeps its
 * own timer heap and asks the clock for at most one timer at a time (the
 * earliest), so a million sleeps cost one `setTimer`.
 *
 * Times are in milliseconds on the clock's own scale; only differences and
 * comparisons matter.
 */
export interface Clock {
  /** The current time. */
  now(): number;
  /**
   * Calls `fire` once, at or after time `at`. Returns a function that
   * cancels the timer (calling it after the timer fired does nothing).
   */
  setTimer(at: number, fire: () => void): () => void;
  /**
   * Optional; its presence marks a virtual clock. The runtime calls it when
   * nothing is runnable, no `call` or `until` promise is pending and no task
   * waits for idleness. A virtual clock with autojump moves time to its
   * earliest timer and fires it, and returns `true`; returning `false` means
   * it did nothing. Under a virtual clock the runtime's fairness budget
   * counts steps rather than wall time, so a run is deterministic: whether
   * it finishes inside `run()` does not depend on the machine's load.
   */
  onIdle?(): boolean;
}

/** The wall clock: `performance.now()` and `setTimeout`. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(at, fire) {
    const id = setTimeout(fire, Math.max(0, at - performance.now()));
    return () => clearTimeout(id);
  },
};
