import fc from "fast-check";
import type { Program } from "./ast.js";
import { ALL_FEATURES, type ProgramFeatures } from "./features.js";
import { defaultStatements } from "./statements/index.js";
import { Normalizer } from "./statements/normalize.js";
import type {
  RawBlock,
  RawItem,
  RawStmt,
  StatementArbitrary,
  StatementTools,
} from "./statements/types.js";

/** Options of {@link programArbitrary}. */
export interface ProgramOptions {
  /** How deep blocks nest (default 4). */
  readonly maxDepth?: number;
  /** The most statements in one block (default 4). */
  readonly maxBlockLength?: number;
  /**
   * How fast nesting thins out with depth, as fast-check's `depthSize`
   * (default `"medium"`; `"small"` gives smaller programs).
   */
  readonly depthSize?: fc.DepthSize;
  /** Constructs to leave out (all are on by default). */
  readonly features?: Partial<ProgramFeatures>;
  /**
   * The statement kinds to generate (default {@link defaultStatements}):
   * a subset of {@link statements}, and kinds of your own made with
   * {@link defineStatement}. At least one must be a leaf (hold no block).
   */
  readonly statements?: readonly StatementArbitrary[];
}

const timeKey = fc.nat({ max: 31 });

function isStatementArbitrary(value: unknown): value is StatementArbitrary {
  const s = value as Partial<StatementArbitrary> | null;
  return (
    s !== null &&
    typeof s === "object" &&
    typeof s.name === "string" &&
    typeof s.arbitrary === "function" &&
    typeof s.nests === "boolean" &&
    typeof s.weight === "number" &&
    s.weight > 0
  );
}

/**
 * What every weight is multiplied by, so that fast-check (which takes
 * integer weights) keeps their ratios: 1 when they are integers already
 * (the programs of a seed stay those of integer weights), else the
 * smallest of 2, 4, 10, 100 that makes them integers (or 1000, rounded).
 */
function weightScale(kinds: readonly StatementArbitrary[]): number {
  for (const scale of [1, 2, 4, 10, 100]) {
    if (kinds.every((k) => Number.isInteger(k.weight * scale))) return scale;
  }
  return 1000;
}

/** The kinds the features leave in, with their arbitraries. */
function enabled(
  kinds: readonly StatementArbitrary[],
  tools: StatementTools,
): { readonly kind: StatementArbitrary; readonly arbitrary: fc.Arbitrary<RawStmt> }[] {
  const out = [];
  for (const kind of kinds) {
    const arbitrary = kind.arbitrary(tools);
    if (arbitrary !== null) out.push({ kind, arbitrary });
  }
  return out;
}

function weighted(
  kinds: readonly {
    readonly kind: StatementArbitrary;
    readonly arbitrary: fc.Arbitrary<RawStmt>;
  }[],
  scale: number,
): fc.WeightedArbitrary<RawStmt>[] {
  return kinds.map(({ kind, arbitrary }) => ({
    weight: Math.max(1, Math.round(kind.weight * scale)),
    arbitrary,
  }));
}

function rawArbitrary(options: ProgramOptions, features: ProgramFeatures): fc.Arbitrary<RawBlock> {
  const kinds = options.statements ?? defaultStatements;
  kinds.forEach((kind, i) => {
    if (!isStatementArbitrary(kind)) {
      throw new TypeError(
        `programArbitrary: options.statements[${i}] is not a statement arbitrary; use the values of \`statements\` or defineStatement(...)`,
      );
    }
  });
  const maxDepth = options.maxDepth ?? 4;
  const maxLength = options.maxBlockLength ?? 4;
  const depthIdentifier = fc.createDepthIdentifier();
  const { main } = fc.letrec<{ main: RawBlock; block: RawBlock; stmt: RawItem }>((tie) => {
    const tools: StatementTools = { block: tie("block"), timeKey, features };
    const present = enabled(kinds, tools);
    // Of the kinds the features leave in, so that a language of integer
    // weights gives the same programs for a seed as before fractions existed.
    const scale = weightScale(present.map((p) => p.kind));
    const leaves = weighted(
      present.filter((p) => !p.kind.nests),
      scale,
    );
    if (leaves.length === 0) {
      throw new RangeError(
        "programArbitrary needs at least one statement kind without a block among options.statements (such as statements.sleep)",
      );
    }
    // Every block statement carries a "keep the block" flag that is almost
    // always true and shrinks to false, which puts its body in its place:
    // fast-check can then shrink `scope { x }` to `x`, not only to nothing.
    const keep = fc.oneof(
      { withCrossShrink: true },
      { weight: 1, arbitrary: fc.constant(false) },
      { weight: 30, arbitrary: fc.constant(true) },
    );
    const blocks = weighted(
      present.filter((p) => p.kind.nests),
      scale,
    ).map(({ weight, arbitrary }): fc.WeightedArbitrary<RawItem> => ({
      weight,
      arbitrary: fc
        .tuple(keep, arbitrary)
        .map(([k, r]): RawItem => (k || r.body === undefined ? r : { inline: r.body })),
    }));
    return {
      // fast-check shrinks an array's tail with the array's own minimum
      // length, so of at least one statement it could never drop the last
      // of two: each statement of the main body can shrink to nothing.
      main: fc.array(
        fc.tuple(keep, tie("stmt")).map(([k, r]): RawItem => (k ? r : { inline: [] })),
        { minLength: 1, maxLength: maxLength + 1, depthIdentifier },
      ),
      block: fc.array(tie("stmt"), { maxLength, depthIdentifier }),
      stmt: fc.oneof(
        {
          depthSize: options.depthSize ?? "medium",
          maxDepth,
          depthIdentifier,
          withCrossShrink: true,
        },
        { weight: 6 * scale, arbitrary: fc.oneof(...leaves) },
        ...blocks,
      ),
    };
  });
  return main;
}

/**
 * A fast-check arbitrary of concurrent copse programs (see {@link Program}):
 * trees of nurseries whose tasks sleep, checkpoint, return values, throw,
 * open cancel scopes (with relative deadlines and shields), `moveOnAfter`
 * and `failAfter` blocks, cancel scopes, nurseries and tasks, start children
 * (`startSoon`, `startTask`, `start`; children may start more children in
 * an ancestor's nursery), join them, wait for promises (`call`), gather
 * children with `all` and `race`, catch and rethrow `Cancelled`, swallow
 * other errors, run cleanup in `finally` (shielded or not), and meet on
 * shared events (`set`, `wait`), locks (`withLock`), a semaphore
 * (`withPermit`) and channels (`send`, `receive`, `close`). Shrinking
 * yields smaller programs of the same kind, and every program keeps the
 * rules below ({@link raceFreedomViolations} checks them).
 *
 * The program is assembled from one {@link StatementArbitrary} per kind
 * ({@link statements}; `options.statements` picks them and adds your own),
 * and normalised so that the rules hold whatever the kinds generate.
 *
 * ```ts
 * import fc from "fast-check";
 * import { programArbitrary, raceFreedomViolations } from "@copse/testing";
 *
 * const noStart = programArbitrary({ maxDepth: 3, features: { start: false } });
 * for (const program of fc.sample(noStart, { numRuns: 20, seed: 3 })) {
 *   if (raceFreedomViolations(program).length > 0) throw new Error(`racy:\n${program}`);
 * }
 * ```
 *
 * @throws TypeError for an entry of `options.statements` that is not a
 * statement arbitrary, RangeError when none of them is a leaf.
 *
 * **Race-freedom.** The one legitimate difference between the paths is
 * *when a child's first step runs*: eagerly, inside `startTask`, before
 * the caller's next statements and before the tasks already ready; lazily,
 * after all of them. So a lazily started child's first step, and every
 * same-instant step that follows from it, sits at a different place among
 * the steps of its instant. In copse a task learns of another task only
 * through cancellation and joins, and cancellation is observed at a
 * resumption (a cancellation point) or when a scope, nursery, group or
 * `start` decides something at its exit. The rules make sure no such
 * observation can fall on either side of a displaced step:
 *
 * 1. *Distinct instants.* Every duration — a sleep, the sleep before an
 *    action, a scope's relative deadline, a timeout, a call's promise — is
 *    a distinct power of two below 2^52 (see {@link MAX_TIMED}), and no
 *    statement runs twice. A timer's instant is the sum of the durations on
 *    its causal chain and distinct sets of distinct powers of two have
 *    distinct sums, so at most one timer is due at any instant: every
 *    instant after 0 begins with exactly one woken task, one settled
 *    promise or one expired scope, and "equal deadlines fire in setting
 *    order" never matters.
 * 2. *Actions open their own instant.* `cancel(x)`, `throw`, `started(v)`,
 *    a join that may wait or rethrow, and a promise's rejection are each
 *    the first thing their task does after a sleep of its own (the
 *    statement carries it: `sleep(d); cancel(x)`; a rejection comes when
 *    the call's own timer fires). Each runs at a fresh instant before
 *    anything else happens there, in every run: it never races with a
 *    first step, and whether its target exists, has finished or has
 *    entered its scope is decided by earlier instants. A join without a
 *    sleep is only of a task whose nursery has exited: it has finished,
 *    and joining it neither suspends nor is a cancellation point.
 * 3. *Starts that act at once are first at their instant.* A child whose
 *    first statement is `throw` (it fails in its first step) and a child
 *    started in a nursery of another task (which may wake that nursery's
 *    owner when it ends) are started right after a sleep of the starting
 *    task, so no other task is ready when they run; and a child that fails
 *    in its first step is never started from `finally` or `catch` code,
 *    where an error on its way out would next meet a scope exit that reads
 *    whether the nursery is cancelled already. An `all`/`race` with such a
 *    child sleeps first the same way (its children always start eagerly,
 *    in order, inside their owner's step).
 * 4. *No checkpoint or call at a child's start instant.* A child does not
 *    `checkpoint()` or `call` before its first sleep (the children of a
 *    group inherit their owner's place). Its other suspensions at the instant it was started are harmless: a
 *    blocking wait receives `Cancelled` whenever the cancellation comes,
 *    and nursery exits are not cancellation points; but a checkpoint's
 *    resumption would be queued at a different place on each path, on
 *    either side of a failure at the same instant (an error leaving a
 *    `finally` that suspended, or a nursery's group raised after its exit
 *    wait); and `call` does not call its function inside a cancelled
 *    scope, so a call there would start work on one path only.
 * 5. *`start` children call `started`.* Each calls `started(v)` in its
 *    top-level body: one that ends without it fails its caller at the
 *    moment it ends, which is not the first thing at its instant.
 * 6. *Visible nurseries and handles only.* A child starts in a nursery
 *    that lexically encloses the start and that the starting task lives in
 *    or inside — never one inner to its own nursery, which may have
 *    closed. A join names a task started earlier in its task's code (or
 *    before its task was started), so no two tasks can wait for each other.
 * 7. *A race is won in time.* The first child of a `race` to end wins, so
 *    the order in which children end within one instant must not matter —
 *    and it may: a child that waits at that instant for a task started
 *    there (a nursery exit) ends before or after its siblings depending on
 *    where that task's first step runs. So every child of a race ends with
 *    a sleep of its own: it can end normally only as the first thing at an
 *    instant of its own — or it ends in its eager step (it is empty or
 *    fails at once), before the race can suspend. (A child that fails or is
 *    cancelled first makes the race fail whatever the order: group errors
 *    are multisets.)
 * 8. *Shared objects are met in time.* The program's events, locks,
 *    semaphores and channels are shared by all its tasks, and two tasks
 *    that act on one at the same instant could be served in either order
 *    (two acquires of a free lock: whichever task runs first gets it). So
 *    every `set`, `wait`, acquire (`withLock`, `withPermit`), `send`,
 *    `receive` and `close` is the first thing its task does after a sleep
 *    of its own: by rule 1 it is the first thing at its instant, and what
 *    it finds (set or not, free or held, the order of the waiters, room or
 *    a value in the buffer) was decided by earlier instants; a hand-over to
 *    a waiter is a committed grant (it gets the lock, permit or value even
 *    if it is cancelled before it runs). The body of a `withLock` or
 *    `withPermit` ends with a sleep of its own, so a release that ends it
 *    normally is the first thing at its instant too: without it, a release
 *    in the same step as the start of a child that fails at once would come
 *    before that failure cancels a waiter lazily and after it eagerly, and
 *    the waiter would get the lock on one path only. A release on the way
 *    out of an error comes after every cancellation the same failure makes
 *    first, on both paths.
 *    Every wait has a patience deadline of its own (a distinct power of
 *    two), so it gives up first thing at an instant of its own, and no
 *    program can deadlock or hang on a shared object. A waiter that gives
 *    up or is cancelled takes nothing: no lock, no permit, no value.
 *
 * Each rule was found necessary: `packages/testing/test/program.test.ts`
 * shows programs that break rule 2 (for a join), 3, 4 or 7 differing
 * between paths on a correct runtime, and
 * `packages/testing/test/shared-objects.test.ts` one that breaks rule 8. Checkpoints stay everywhere else (in the main task at
 * any time, in children after their first sleep, in cleanup), and so do
 * same-instant cascades: a failure cancels its nursery, the cancelled
 * tasks' cleanup runs, more errors join the group, at one instant.
 */
export function programArbitrary(options: ProgramOptions = {}): fc.Arbitrary<Program> {
  const features: ProgramFeatures = { ...ALL_FEATURES, ...options.features };
  return rawArbitrary(options, features)
    .map((raw) => new Normalizer(features).program(raw))
    .filter((program): program is Program => program !== null);
}
