import type { BoundedImpl } from "./work.js";

/** The implementations, in table order; each module is loaded only in the process that runs it. */
export const BOUNDED_IMPLS: readonly {
  id: string;
  label: string;
  load: () => Promise<{ impl: BoundedImpl }>;
  /** Which workloads it runs (default: all). */
  only?: "timer";
}[] = [
  {
    id: "copse-for-each",
    label: "copse `mapConcurrent(…).forEach`",
    load: () => import("./copse-for-each.js"),
  },
  {
    id: "copse-ordered",
    label: "copse `mapConcurrent`, `ordered: true`",
    load: () => import("./copse-ordered.js"),
  },
  {
    id: "copse-settle",
    label: "copse `mapConcurrent`, `settle: true`",
    load: () => import("./copse-settle.js"),
  },
  {
    id: "copse-for-await",
    label: "copse `for await` over `mapConcurrent`",
    load: () => import("./copse-for-await.js"),
  },
  {
    id: "copse-sleep",
    label: "copse `mapConcurrent`, each item `sleep(1)` (copse's timer)",
    load: () => import("./copse-sleep.js"),
    only: "timer",
  },
  { id: "worker-pool", label: "hand-written worker pool", load: () => import("./worker-pool.js") },
  {
    id: "generator-floor",
    label: "generator floor: copse's operation shape, a bare driver",
    load: () => import("./generator-floor.js"),
  },
  { id: "p-map", label: "p-map 7 over the lazy iterable", load: () => import("./p-map.js") },
  {
    id: "p-map-iterable",
    label: "p-map 7 `pMapIterable` + `for await`",
    load: () => import("./p-map-iterable.js"),
  },
  {
    id: "p-limit",
    label: "p-limit 7 over an array + `Promise.all`",
    load: () => import("./p-limit.js"),
  },
  {
    id: "effect-for-each",
    label: "Effect 4 `Effect.forEach`, concurrency 1000",
    load: () => import("./effect-for-each.js"),
  },
];

export function findBoundedImpl(id: string): (typeof BOUNDED_IMPLS)[number] {
  const found = BOUNDED_IMPLS.find((i) => i.id === id);
  if (found === undefined) {
    throw new Error(
      `unknown implementation ${id}; one of ${BOUNDED_IMPLS.map((i) => i.id).join(", ")}`,
    );
  }
  return found;
}
