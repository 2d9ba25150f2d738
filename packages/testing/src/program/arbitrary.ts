import fc from "fast-check";
import { makeProgram, type Block, type Program, type Stmt, type Via } from "./ast.js";
import { leavesInstant } from "./rules.js";

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
}

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
});

// ---- raw trees -------------------------------------------------------------
//
// fast-check generates (and shrinks) a raw tree in which every reference is a
// plain number: time keys, cancel targets, nursery choices. `normalize` turns
// it into a Program by walking it once: it numbers ids, resolves references
// against what is in scope, and gives every timed statement a distinct power
// of two, ranked by its time key. Shrinking the raw tree therefore always
// yields a valid, race-free program.

type RawStmt =
  | { readonly k: "sleep"; readonly t: number }
  | { readonly k: "checkpoint" }
  | { readonly k: "cancel"; readonly t: number; readonly near: boolean; readonly target: number }
  | { readonly k: "throw"; readonly t: number }
  | { readonly k: "started"; readonly t: number }
  | {
      readonly k: "scope";
      readonly deadline: number | null;
      readonly shield: boolean;
      readonly body: readonly RawStmt[];
    }
  | {
      readonly k: "timeout";
      readonly fail: boolean;
      readonly t: number;
      readonly body: readonly RawStmt[];
    }
  | { readonly k: "nursery"; readonly body: readonly RawStmt[] }
  /** A block statement shrunk to its body: the body's statements, in place. */
  | { readonly k: "inline"; readonly body: readonly RawStmt[] }
  | {
      readonly k: "spawn";
      readonly t: number;
      readonly via: Via;
      readonly into: number;
      readonly firstThrow: boolean;
      /** For `start`: where in the body `started` is called (position, time key). */
      readonly started: readonly [number, number];
      readonly body: readonly RawStmt[];
    }
  | {
      readonly k: "try";
      readonly body: readonly RawStmt[];
      readonly onCancelled: readonly RawStmt[] | null;
      readonly catchErrors: boolean;
      readonly cleanup: { readonly shield: boolean; readonly body: readonly RawStmt[] } | null;
    };

const timeKey = fc.nat({ max: 31 });

function rawArbitrary(options: ProgramOptions): fc.Arbitrary<readonly RawStmt[]> {
  const f: ProgramFeatures = { ...ALL_FEATURES, ...options.features };
  const maxDepth = options.maxDepth ?? 4;
  const maxLength = options.maxBlockLength ?? 4;
  const depthIdentifier = fc.createDepthIdentifier();
  const { main } = fc.letrec<{
    main: readonly RawStmt[];
    block: readonly RawStmt[];
    stmt: RawStmt;
  }>((tie) => {
    const body = tie("block");
    const leaves: fc.WeightedArbitrary<RawStmt>[] = [
      { weight: 4, arbitrary: timeKey.map((t): RawStmt => ({ k: "sleep", t })) },
    ];
    if (f.checkpoint) leaves.push({ weight: 2, arbitrary: fc.constant({ k: "checkpoint" }) });
    if (f.cancel) {
      leaves.push({
        weight: 3,
        arbitrary: fc
          .tuple(timeKey, fc.boolean(), fc.nat({ max: 15 }))
          .map(([t, near, target]): RawStmt => ({ k: "cancel", t, near, target })),
      });
    }
    if (f.throw) {
      leaves.push({ weight: 2, arbitrary: timeKey.map((t): RawStmt => ({ k: "throw", t })) });
    }
    if (f.start) {
      leaves.push({ weight: 1, arbitrary: timeKey.map((t): RawStmt => ({ k: "started", t })) });
    }
    const compound: fc.WeightedArbitrary<RawStmt>[] = [];
    if (f.scope) {
      compound.push({
        weight: 3,
        arbitrary: fc
          .record({
            deadline: f.deadline ? fc.option(timeKey, { freq: 2 }) : fc.constant(null),
            shield: f.shield ? fc.boolean() : fc.constant(false),
            body,
          })
          .map((r): RawStmt => ({ k: "scope", ...r })),
      });
    }
    if (f.moveOnAfter || f.failAfter) {
      const fail =
        f.moveOnAfter && f.failAfter ? fc.boolean() : fc.constant(f.failAfter && !f.moveOnAfter);
      compound.push({
        weight: 2,
        arbitrary: fc
          .record({ fail, t: timeKey, body })
          .map((r): RawStmt => ({ k: "timeout", ...r })),
      });
    }
    if (f.spawn || f.start) {
      compound.push({
        weight: 2,
        arbitrary: body.map((b): RawStmt => ({ k: "nursery", body: b })),
      });
      const vias: Via[] = [
        ...(f.spawn ? (["soon", "task"] as const) : []),
        ...(f.start ? (["start"] as const) : []),
      ];
      compound.push({
        weight: 5,
        arbitrary: fc
          .record({
            t: timeKey,
            via: fc.constantFrom(...vias),
            into: f.spawnIntoAncestor ? fc.nat({ max: 3 }) : fc.constant(0),
            started: fc.tuple(fc.nat({ max: 4 }), timeKey),
            firstThrow: f.firstStepThrow
              ? fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, fc.constant(true))
              : fc.constant(false),
            body,
          })
          .map((r): RawStmt => ({ k: "spawn", ...r })),
      });
    }
    if (f.catchCancelled || f.catchErrors || f.cleanup) {
      compound.push({
        weight: 3,
        arbitrary: fc
          .record({
            body,
            onCancelled: f.catchCancelled ? fc.option(body, { freq: 2 }) : fc.constant(null),
            catchErrors: f.catchErrors ? fc.boolean() : fc.constant(false),
            cleanup: f.cleanup
              ? fc.option(
                  fc.record({
                    shield: f.shieldedCleanup ? fc.boolean() : fc.constant(false),
                    body,
                  }),
                  { freq: 3 },
                )
              : fc.constant(null),
          })
          .map((r): RawStmt => ({ k: "try", ...r })),
      });
    }
    // Every block statement carries a "keep the block" flag that is almost
    // always true and shrinks to false, which puts its body in its place:
    // fast-check can then shrink `scope { x }` to `x`, not only to nothing.
    const keep = fc.oneof(
      { withCrossShrink: true },
      { weight: 1, arbitrary: fc.constant(false) },
      { weight: 30, arbitrary: fc.constant(true) },
    );
    const liftable = compound.map(({ weight, arbitrary }): fc.WeightedArbitrary<RawStmt> => ({
      weight,
      arbitrary: fc
        .tuple(keep, arbitrary)
        .map(([k, r]): RawStmt => (k || !("body" in r) ? r : { k: "inline", body: r.body })),
    }));
    return {
      main: fc.array(tie("stmt"), { minLength: 1, maxLength: maxLength + 1, depthIdentifier }),
      block: fc.array(tie("stmt"), { maxLength, depthIdentifier }),
      stmt: fc.oneof(
        {
          depthSize: options.depthSize ?? "medium",
          maxDepth,
          depthIdentifier,
          withCrossShrink: true,
        },
        { weight: 6, arbitrary: fc.oneof(...leaves) },
        ...liftable,
      ),
    };
  });
  return main;
}

// ---- normalisation ---------------------------------------------------------

/**
 * The most timed statements (sleeps, actions, deadlines, timeouts) in one
 * generated program: their durations are then at most 2^51 ms, and every
 * sum of them is an exact integer below 2^52 (the rare larger raw programs
 * are filtered out, about 1 in 200 with the default options). A wrapper
 * around generated programs may use 2^52 itself and keep rule 1.
 */
export const MAX_TIMED = 52;

interface Timed {
  key: number;
  order: number;
  set: (ms: number) => void;
}

interface Scope {
  /** Nurseries lexically enclosing this point, innermost last, with the task that opened them. */
  readonly nurseries: readonly { readonly id: string; readonly task: string }[];
  /** Scopes, timeouts and nurseries that lexically enclose this point (across tasks), innermost last. */
  readonly enclosing: readonly string[];
  /** The task whose code this is. */
  readonly task: string;
  /** Whether that task was started with `start` (so it may call `started`). */
  readonly startChild: boolean;
  /** Whether this code may run at the instant its task was started (rule 4). */
  readonly fresh: boolean;
  /** Whether this is `finally`/`catch` code of its task, where an error may be on its way out. */
  readonly cleanup: boolean;
}

class Normalizer {
  private counts = { t: 0, s: 0, n: 0, x: 0, e: 0 };
  private readonly timed: Timed[] = [];
  /** Every cancellable id (the main task, scopes, timeouts, nurseries, tasks with a handle), in creation order. */
  private readonly targets: string[] = ["t0"];
  private readonly cancels: { target: number; set: (id: string) => void }[] = [];
  private readonly nurseryOnly: boolean;

  constructor(features: ProgramFeatures) {
    this.nurseryOnly = !features.spawnIntoAncestor;
  }

  private next(prefix: "t" | "s" | "n" | "x" | "e"): string {
    return `${prefix}${++this.counts[prefix]}`;
  }

  private time(key: number, set: (ms: number) => void): void {
    this.timed.push({ key, order: this.timed.length, set });
  }

  /** The program, or `null` when it has more timed statements than {@link MAX_TIMED}. */
  program(raw: readonly RawStmt[]): Program | null {
    const main: { id: string; body: Block; value: string } = { id: "t0", body: [], value: "v0" };
    main.body = this.block(raw, {
      nurseries: [],
      enclosing: [],
      task: "t0",
      startChild: false,
      fresh: false,
      cleanup: false,
    });
    if (this.timed.length > MAX_TIMED) return null;
    // Distinct powers of two, ranked by key (ties: program order).
    const ranked = [...this.timed].sort((a, b) => a.key - b.key || a.order - b.order);
    ranked.forEach((t, rank) => t.set(2 ** rank));
    // The main task is a target only when nothing else is (cancelling it
    // ends everything, which makes for dull programs).
    const targets = this.targets.length > 1 ? this.targets.slice(1) : this.targets;
    for (const c of this.cancels) c.set(targets[c.target % targets.length]!);
    return makeProgram(deepFreeze(main));
  }

  private block(raw: readonly RawStmt[], scope: Scope): Stmt[] {
    const out: Stmt[] = [];
    let here = scope;
    const todo = [...raw];
    for (let r = todo.shift(); r !== undefined; r = todo.shift()) {
      if (r.k === "inline") {
        todo.unshift(...r.body);
        continue;
      }
      const stmt = this.stmt(r, here);
      if (stmt === null) continue;
      out.push(stmt);
      if (here.fresh && leavesInstant(stmt)) here = { ...here, fresh: false };
    }
    return out;
  }

  private stmt(r: Exclude<RawStmt, { k: "inline" }>, scope: Scope): Stmt | null {
    switch (r.k) {
      case "sleep": {
        const s = { kind: "sleep" as const, ms: 0 };
        this.time(r.t, (ms) => (s.ms = ms));
        return s;
      }
      case "checkpoint":
        // Rule 4: no checkpoint while the task may still be at its start instant.
        return scope.fresh ? null : { kind: "checkpoint" };
      case "cancel": {
        const s = { kind: "cancel" as const, after: 0, target: "" };
        this.time(r.t, (ms) => (s.after = ms));
        const near = scope.enclosing;
        if (r.near && near.length > 0) {
          // An enclosing block, by depth: stable while the program shrinks.
          s.target = near[near.length - 1 - (r.target % near.length)]!;
        } else {
          // Anything: resolved once every id is known (`program`).
          this.cancels.push({ target: r.target, set: (id) => (s.target = id) });
        }
        return s;
      }
      case "throw": {
        const s = { kind: "throw" as const, after: 0 as number | null, error: this.next("e") };
        this.time(r.t, (ms) => (s.after = ms));
        return s;
      }
      case "started": {
        if (!scope.startChild) return null;
        const s = { kind: "started" as const, after: 0, value: `r${scope.task.slice(1)}` };
        this.time(r.t, (ms) => (s.after = ms));
        return s;
      }
      case "scope": {
        const id = this.next("s");
        this.targets.push(id);
        const s = {
          kind: "scope" as const,
          id,
          deadline: null as number | null,
          shield: r.shield,
          body: [] as Block,
        };
        if (r.deadline !== null) this.time(r.deadline, (ms) => (s.deadline = ms));
        s.body = this.block(r.body, { ...scope, enclosing: [...scope.enclosing, id] });
        return s;
      }
      case "timeout": {
        const id = this.next("s");
        this.targets.push(id);
        const s = { kind: "timeout" as const, id, fail: r.fail, ms: 0, body: [] as Block };
        this.time(r.t, (ms) => (s.ms = ms));
        s.body = this.block(r.body, { ...scope, enclosing: [...scope.enclosing, id] });
        return s;
      }
      case "nursery":
        return this.nursery(r.body, scope);
      case "spawn": {
        const own = scope.nurseries.filter((n) => n.task === scope.task);
        const candidates = this.nurseryOnly ? own.slice(-1) : scope.nurseries;
        if (candidates.length === 0) {
          // Nowhere to start it: open a nursery around it.
          return this.nursery([r], scope);
        }
        const into = candidates[candidates.length - 1 - (r.into % candidates.length)]!;
        const id = this.next("t");
        // Rule 3: not from cleanup code, where an error may be on its way out.
        const firstThrow = r.firstThrow && !scope.cleanup;
        const spawn: {
          -readonly [K in keyof Extract<Stmt, { kind: "spawn" }>]: Extract<
            Stmt,
            { kind: "spawn" }
          >[K];
        } = {
          kind: "spawn",
          after: null,
          via: r.via,
          into: into.id,
          task: { id, body: [], value: `v${id.slice(1)}` },
        };
        // Rule 3: a child that fails in its first step, or one started into
        // another task's nursery, is started first thing at a fresh instant.
        if (firstThrow || into.task !== scope.task) this.time(r.t, (ms) => (spawn.after = ms));
        if (r.via !== "start") this.targets.push(id);
        // The child lives in `into`: nurseries inner to it may close before
        // the child ends, so it sees only `into` and what encloses it.
        const childScope: Scope = {
          nurseries: scope.nurseries.slice(0, scope.nurseries.indexOf(into) + 1),
          enclosing: scope.enclosing.slice(0, scope.enclosing.indexOf(into.id) + 1),
          task: id,
          startChild: r.via === "start",
          fresh: true,
          cleanup: false,
        };
        const body: Stmt[] = [];
        if (firstThrow) body.push({ kind: "throw", after: null, error: this.next("e") });
        let rawBody = r.body;
        if (r.via === "start") {
          // A `start` child always calls `started` at its top level: one that
          // returns without it fails its caller at the moment it ends, which
          // is not the first thing at its instant (docs/cases.md S05).
          const [at, t] = r.started;
          const pos = Math.min(at, rawBody.length);
          rawBody = [...rawBody.slice(0, pos), { k: "started", t }, ...rawBody.slice(pos)];
        }
        body.push(...this.block(rawBody, childScope));
        spawn.task = { id, body, value: `v${id.slice(1)}` };
        return spawn;
      }
      case "try": {
        const id = this.next("x");
        const body = this.block(r.body, scope);
        const handler: Scope = { ...scope, cleanup: true };
        const onCancelled = r.onCancelled === null ? null : this.block(r.onCancelled, handler);
        const cleanup =
          r.cleanup === null
            ? null
            : { shield: r.cleanup.shield, body: this.block(r.cleanup.body, handler) };
        return { kind: "try", id, body, onCancelled, catchErrors: r.catchErrors, cleanup };
      }
    }
  }

  private nursery(raw: readonly RawStmt[], scope: Scope): Stmt {
    const id = this.next("n");
    this.targets.push(id);
    const inner: Scope = {
      ...scope,
      nurseries: [...scope.nurseries, { id, task: scope.task }],
      enclosing: [...scope.enclosing, id],
    };
    return { kind: "nursery", id, body: this.block(raw, inner) };
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) delete (value as Record<string, unknown>)[key];
      else deepFreeze(v);
    }
    Object.freeze(value);
  }
  return value;
}

/**
 * A fast-check arbitrary of concurrent copse programs (see {@link Program}):
 * trees of nurseries whose tasks sleep, checkpoint, return values, throw,
 * open cancel scopes (with relative deadlines and shields), `moveOnAfter`
 * and `failAfter` blocks, cancel scopes, nurseries and tasks, start children
 * (`startSoon`, `startTask`, `start`; children may start more children in
 * an ancestor's nursery), catch and rethrow `Cancelled`, swallow other
 * errors, and run cleanup in `finally` (shielded or not). Shrinking yields
 * smaller programs of the same kind, and every program keeps the rules
 * below ({@link raceFreedomViolations} checks them).
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
 * **Race-freedom (docs/eager-lazy.md).** The one legitimate difference
 * between the paths is *when a child's first step runs*: eagerly, inside
 * `startTask`, before the caller's next statements and before the tasks
 * already ready; lazily, after all of them. So a lazily started child's
 * first step, and every same-instant step that follows from it, sits at a
 * different place among the steps of its instant. In copse a task learns
 * of another task only through cancellation, and cancellation is observed
 * at a resumption (a cancellation point) or when a scope, nursery or
 * `start` decides something at its exit. The rules make sure no such
 * observation can fall on either side of a displaced step:
 *
 * 1. *Distinct instants.* Every duration — a sleep, the sleep before an
 *    action, a scope's relative deadline, a timeout — is a distinct power of
 *    two below 2^52 (see {@link MAX_TIMED}), and no statement runs twice. A timer's instant is the sum of the
 *    durations on its causal chain and distinct sets of distinct powers of
 *    two have distinct sums, so at most one timer is due at any instant:
 *    every instant after 0 begins with exactly one woken task or one
 *    expired scope, and "equal deadlines fire in setting order" never
 *    matters.
 * 2. *Actions open their own instant.* `cancel(x)`, `throw` and
 *    `started(v)` are each the first thing their task does after a sleep of
 *    their own (the statement carries it: `sleep(d); cancel(x)`). Each runs
 *    at a fresh instant before anything else happens there, in every run:
 *    it never races with a first step, and whether its target exists, has
 *    finished or has entered its scope is decided by earlier instants.
 * 3. *Starts that act at once are first at their instant.* A child whose
 *    first statement is `throw` (it fails in its first step, docs/cases.md X08)
 *    and a child started in a nursery of another task (which may wake that
 *    nursery's owner when it ends) are started right after a sleep of the
 *    starting task, so no other task is ready when they run; and a child
 *    that fails in its first step is never started from `finally` or
 *    `catch` code, where an error on its way out would next meet a scope
 *    exit that reads whether the nursery is cancelled already.
 * 4. *No checkpoint at a child's start instant.* A child does not
 *    `checkpoint()` before its first sleep. Its other suspensions at the
 *    instant it was started are harmless: a blocking wait receives
 *    `Cancelled` whenever the cancellation comes, and nursery exits are not
 *    cancellation points; but a checkpoint's resumption would be queued at
 *    a different place on each path, on either side of a failure at the
 *    same instant (an error leaving a `finally` that suspended, or a
 *    nursery's group raised after its exit wait).
 * 5. *`start` children call `started`.* Each calls `started(v)` in its
 *    top-level body: one that ends without it fails its caller at the
 *    moment it ends (docs/cases.md S05), which is not the first thing at its
 *    instant.
 * 6. *Visible nurseries only.* A child starts in a nursery that lexically
 *    encloses the start and that the starting task lives in or inside —
 *    never one inner to its own nursery, which may have closed.
 *
 * Each rule was found necessary: `packages/testing/test/program.test.ts`
 * shows programs that break rule 3 or 4 differing between paths on a
 * correct runtime. Checkpoints stay everywhere else (in the main task at
 * any time, in children after their first sleep, in cleanup), and so do
 * same-instant cascades: a failure cancels its nursery, the cancelled
 * tasks' cleanup runs, more errors join the group, at one instant.
 */
export function programArbitrary(options: ProgramOptions = {}): fc.Arbitrary<Program> {
  const features: ProgramFeatures = { ...ALL_FEATURES, ...options.features };
  return rawArbitrary(options)
    .map((raw) => new Normalizer(features).program(raw))
    .filter((program): program is Program => program !== null);
}
