/**
 * Which constructs the generator may use. Every feature is on by default;
 * turn some off to focus a property, or to keep programs inside what an
 * operation under test supports.
 */
export interface ProgramFeatures {
  /** `checkpoint()` statements. */
  readonly checkpoint: boolean;
  /** `sleep(d); cancel(x)` of a scope, timeout, nursery or task. */
  readonly cancel: boolean;
  /** `sleep(d); throw e`. */
  readonly throw: boolean;
  /** A child task whose first statement throws, in its first step. */
  readonly firstStepThrow: boolean;
  /** Cancel scopes. */
  readonly scope: boolean;
  /** Relative deadlines on cancel scopes. */
  readonly deadline: boolean;
  /** Shielded cancel scopes. */
  readonly shield: boolean;
  /** `moveOnAfter`. */
  readonly moveOnAfter: boolean;
  /** `failAfter`. */
  readonly failAfter: boolean;
  /** Nurseries and children started with `startSoon` / `startTask`. */
  readonly spawn: boolean;
  /** Children started with `yield* n.start(...)`, which call `started(value)`. */
  readonly start: boolean;
  /** Children that start more children in an enclosing nursery of an ancestor task. */
  readonly spawnIntoAncestor: boolean;
  /** `try` with a `catch Cancelled` handler that rethrows. */
  readonly catchCancelled: boolean;
  /** `try` that swallows (and logs) errors other than `Cancelled`. */
  readonly catchErrors: boolean;
  /** `finally` cleanup blocks. */
  readonly cleanup: boolean;
  /** Cleanup blocks run in a shielded scope. */
  readonly shieldedCleanup: boolean;
  /** `yield* task`: joins of tasks started earlier with `startSoon` / `startTask`. */
  readonly join: boolean;
  /** `yield* call(...)` of promises the virtual clock settles. */
  readonly call: boolean;
  /** `yield* all([...])` over child blocks. */
  readonly all: boolean;
  /** `yield* race([...])` over child blocks. */
  readonly race: boolean;
  /** `Event`: `set` and `wait` (with a patience deadline). */
  readonly event: boolean;
  /** `Lock`: `withLock` blocks (acquire with a patience deadline). */
  readonly lock: boolean;
  /** `Semaphore`: `withPermit` blocks (acquire with a patience deadline). */
  readonly semaphore: boolean;
  /** Channels: `send` and `receive` (with a patience deadline). */
  readonly channel: boolean;
  /** `close` of a channel's send or receive end (only with `channel`). */
  readonly closeChannel: boolean;
}

/** Every feature on. */
export const ALL_FEATURES: ProgramFeatures = Object.freeze({
  checkpoint: true,
  cancel: true,
  throw: true,
  firstStepThrow: true,
  scope: true,
  deadline: true,
  shield: true,
  moveOnAfter: true,
  failAfter: true,
  spawn: true,
  start: true,
  spawnIntoAncestor: true,
  catchCancelled: true,
  catchErrors: true,
  cleanup: true,
  shieldedCleanup: true,
  join: true,
  call: true,
  all: true,
  race: true,
  event: true,
  lock: true,
  semaphore: true,
  channel: true,
  closeChannel: true,
});
