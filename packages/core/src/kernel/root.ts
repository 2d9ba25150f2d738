import type { Clock } from "./clock.js";
import { startEagerly } from "./eager.js";
import type { Operation } from "./operation.js";
import { Runtime, type SchedulePolicy } from "./runtime.js";
import { rootScope } from "./cancel-scope.js";
import { TaskImpl } from "./task-impl.js";

/** What a new run is made of (already checked by the caller). @internal */
export interface RootOptions {
  readonly clock: Clock;
  readonly name: string;
  readonly signal?: AbortSignal | undefined;
  readonly policy?: SchedulePolicy | undefined;
}

/**
 * Starts a new run: a runtime (run queue, timer heap, the clock), its root
 * scope and root task; runs the root's first step now (bounded like every
 * eager step) and then every task that became ready, until all are blocked
 * or the fairness budget is spent. Aborting `signal` cancels the root scope.
 * The one way into copse from ordinary code (`run`, and `for await` over
 * copse results).
 *
 * @internal
 */
export function startRoot<T>(body: () => Operation<T>, options: RootOptions): TaskImpl<T> {
  const runtime = new Runtime(options.clock);
  if (options.policy !== undefined) runtime.policy = options.policy;
  const root = rootScope(runtime);
  const task = new TaskImpl<T>(null, root, body, options.name);
  const signal = options.signal;
  if (signal !== undefined) {
    if (signal.aborted) {
      root._cancel({ source: "signal", reason: signal.reason, sourceTask: undefined });
    } else {
      const onAbort = (): void =>
        root._cancel({ source: "signal", reason: signal.reason, sourceTask: undefined });
      signal.addEventListener("abort", onAbort, { once: true });
      void task.then(
        () => signal.removeEventListener("abort", onAbort),
        () => signal.removeEventListener("abort", onAbort),
      );
    }
  }
  runtime.hold(() => startEagerly(task as TaskImpl<unknown>));
  return task;
}
