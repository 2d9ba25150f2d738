import { requireCurrent } from "../kernel/current.js";
import type { Task } from "../kernel/task.js";

/**
 * The task being stepped right now. A plain synchronous call, exact on both
 * start paths: during the eager first step of a task started with
 * `startTask` it is the new task, and the caller again once `startTask`
 * returns. Works in browsers (no AsyncLocalStorage).
 *
 * @throws Error outside any task (for example in a promise callback).
 */
export function currentTask(): Task<unknown> {
  return requireCurrent("currentTask()");
}
