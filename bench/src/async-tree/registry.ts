import type { TreeImpl } from "./impl.js";

/** The implementations, in table order; each module is loaded only in the process that runs it. */
export const IMPLS = [
  {
    id: "copse-all",
    label: "copse `all` (eager)",
    load: () => import("./copse-all.js"),
  },
  {
    id: "copse-all-thunks",
    label: "copse `all` over thunks (eager)",
    load: () => import("./copse-all-thunks.js"),
  },
  {
    id: "copse-start-task",
    label: "copse nursery + `startTask` (eager)",
    load: () => import("./copse-start-task.js"),
  },
  {
    id: "copse-start-soon",
    label: "copse nursery + `startSoon` (lazy)",
    load: () => import("./copse-start-soon.js"),
  },
  {
    id: "copse-start-task-hoisted",
    label: "copse nursery + `startTask`, body hoisted (eager)",
    load: () => import("./copse-start-task-hoisted.js"),
  },
  {
    id: "copse-start-soon-hoisted",
    label: "copse nursery + `startSoon`, body hoisted (lazy)",
    load: () => import("./copse-start-soon-hoisted.js"),
  },
  {
    id: "promise-all",
    label: "async/await + `Promise.all`",
    load: () => import("./promise-all.js"),
  },
  {
    id: "promise-all-lazy",
    label: "async/await + `Promise.all`, children started lazily",
    load: () => import("./promise-all-lazy.js"),
  },
  {
    id: "effect-all",
    label: "Effect 4 `Effect.all` (unbounded)",
    load: () => import("./effect-all.js"),
  },
  {
    id: "effect-fork",
    label: "Effect 4 `forkChild` + `Fiber.join`",
    load: () => import("./effect-fork.js"),
  },
  { id: "effection-all", label: "Effection 4 `all`", load: () => import("./effection-all.js") },
  {
    id: "sync-floor",
    label: "floor: synchronous recursion",
    load: () => import("./sync-floor.js"),
  },
  {
    id: "lazy-floor",
    label: "floor: lazy generator tasks, FIFO queue",
    load: () => import("./lazy-floor.js"),
  },
  {
    id: "callback-floor",
    label: "floor: callbacks, no promises",
    load: () => import("./callback-floor.js"),
  },
] as const satisfies readonly {
  id: string;
  label: string;
  load: () => Promise<{ impl: TreeImpl }>;
}[];

export type ImplId = (typeof IMPLS)[number]["id"];

export function findImpl(id: string): (typeof IMPLS)[number] {
  const found = IMPLS.find((impl) => impl.id === id);
  if (found === undefined) {
    throw new Error(`unknown implementation ${id}; one of ${IMPLS.map((i) => i.id).join(", ")}`);
  }
  return found;
}
