/**
 * Copies of @copse/core loaded in one realm (a dual install) cannot drive
 * each other's tasks. Each copy records itself in a registry on
 * `globalThis`, so that a copy asked for the current task while another
 * copy is stepping one can say so instead of reporting that no task runs.
 *
 * @internal
 */
interface CopyRecord {
  readonly version: string;
  /** Whether this copy is stepping a task right now. */
  readonly running: () => boolean;
}

const VERSION = "0.1.0";
const REGISTRY = Symbol.for("copse.core.copies");
const registry: CopyRecord[] = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??=
  []) as CopyRecord[];
let self: CopyRecord | null = null;

/** Records this copy; `running` tells whether it is stepping a task. @internal */
export function registerCopy(running: () => boolean): void {
  self = { version: VERSION, running };
  registry.push(self);
}

/** Another copy that is stepping a task right now, if any. @internal */
export function otherRunningCopy(): CopyRecord | undefined {
  return registry.find((copy) => copy !== self && copy.running());
}
