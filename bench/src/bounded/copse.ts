/**
 * copse: `mapConcurrent(source, mapping, { limit })` consumed with
 * `forEach` (completion order), with `ordered: true`, with `settle: true`,
 * or from async code with `for await`; and copse's own timer (`sleep(1)`).
 * The mapping awaits the workload's promise through `until`.
 */
import { mapConcurrent, run, sleep, until, type Operation, type Task } from "@copse/core";
import { runtimeStats } from "@copse/core/internal";
import {
  LIMIT,
  awaited,
  items,
  mappingEnded,
  mappingStarted,
  type BoundedImpl,
  type Workload,
} from "./work.js";

function* awaitingPromise(i: number): Operation<number> {
  return yield* until(awaited("promise", i));
}

function* awaitingTimer(i: number): Operation<number> {
  return yield* until(awaited("timer", i));
}

function mappingFor(mode: Mode, workload: Workload): (i: number) => Operation<number> {
  if (mode === "sleep") return sleeping;
  return workload === "promise" ? awaitingPromise : awaitingTimer;
}

function* sleeping(i: number): Operation<number> {
  mappingStarted();
  yield* sleep(1);
  mappingEnded();
  return i;
}

type Mode = "for-each" | "ordered" | "settle" | "for-await" | "sleep";

export function copseImpl(mode: Mode): BoundedImpl {
  let last: Task<unknown> | null = null;
  return {
    async run(n, workload) {
      let sum = 0;
      const fn = mappingFor(mode, workload);
      if (mode === "for-await") {
        for await (const v of mapConcurrent(items(n), fn, { limit: LIMIT })) sum += v;
        return sum;
      }
      if (mode === "settle") {
        last = run(() =>
          mapConcurrent(items(n), fn, { limit: LIMIT, settle: true }).forEach((r) => {
            if (r.status === "fulfilled") sum += r.value;
          }),
        );
      } else {
        last = run(() =>
          mapConcurrent(items(n), fn, { limit: LIMIT, ordered: mode === "ordered" }).forEach(
            (v) => {
              sum += v;
            },
          ),
        );
      }
      await last;
      return sum;
    },
    stats: () => (last === null ? undefined : { ...runtimeStats(last) }),
  };
}
