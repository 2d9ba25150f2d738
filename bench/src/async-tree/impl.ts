import type { TreeWork } from "./work.js";

/** One way of running the async tree. */
export interface TreeImpl {
  /**
   * Runs the whole tree for `work`. Returns a promise unless the run
   * finished synchronously (copse's eager paths can), so a synchronous
   * completion is not charged a microtask.
   */
  run(work: TreeWork): PromiseLike<void> | void;
  /** What the runtime counted during the last run, if it counts anything. */
  lastStats?(): Record<string, number> | undefined;
}
