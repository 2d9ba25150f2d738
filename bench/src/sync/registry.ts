import type { SyncImpl } from "./work.js";

/** The implementations, in table order; each module is loaded only in the process that runs it. */
export const SYNC_IMPLS = [
  { id: "copse", label: "copse", load: () => import("./copse.js") },
  { id: "effect", label: "Effect 4", load: () => import("./effect.js") },
  { id: "effection", label: "Effection 4", load: () => import("./effection.js") },
  { id: "promise", label: "promise queue (by hand)", load: () => import("./promise.js") },
] as const satisfies readonly {
  id: string;
  label: string;
  load: () => Promise<{ impl: SyncImpl }>;
}[];

export type SyncImplId = (typeof SYNC_IMPLS)[number]["id"];

/** Which benchmarks an implementation has the primitives for. */
export const SUPPORTS: Record<SyncImplId, readonly ("channel" | "lock" | "semaphore")[]> = {
  copse: ["channel", "lock", "semaphore"],
  effect: ["channel", "lock", "semaphore"],
  effection: ["channel"],
  promise: ["channel", "lock", "semaphore"],
};
