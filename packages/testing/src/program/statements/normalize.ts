import { makeProgram, type Program, type Stmt, type TaskSpec } from "../ast.js";
import type { ProgramFeatures } from "../features.js";
import { leavesInstant } from "../rules.js";
import type { Handle, Place, RawBlock } from "./types.js";

/**
 * The most timed statements (sleeps, actions, deadlines, timeouts, calls)
 * in one generated program: their durations are then at most 2^51 ms, and
 * every sum of them is an exact integer below 2^52 (the rare larger raw
 * programs are filtered out). A wrapper around generated programs may use
 * 2^52 itself and keep rule 1.
 */
export const MAX_TIMED = 52;

interface Timed {
  readonly key: number;
  readonly order: number;
  readonly set: (ms: number) => void;
}

/**
 * Turns a raw tree into a {@link Program}, keeping the race-freedom rules
 * (see {@link programArbitrary}): it numbers ids, resolves references, and
 * gives every timed statement a distinct power of two, ranked by its time
 * key. The statement kinds call back into it from their `normalize`.
 */
export class Normalizer {
  private readonly counts = new Map<string, number>();
  private readonly timed: Timed[] = [];
  /** Every cancellable id (the main task, scopes, timeouts, nurseries, tasks with a handle), in creation order. */
  private readonly targets: string[] = ["t0"];
  private readonly cancels: { readonly key: number; readonly set: (id: string) => void }[] = [];

  constructor(readonly features: ProgramFeatures) {}

  /** A fresh id: `t1`, `t2`, ... for prefix `t`. */
  id(prefix: string): string {
    const n = (this.counts.get(prefix) ?? 0) + 1;
    this.counts.set(prefix, n);
    return `${prefix}${n}`;
  }

  /** Asks for a duration: `set` receives its distinct power of two once the whole tree is read. */
  time(key: number, set: (ms: number) => void): void {
    this.timed.push({ key, order: this.timed.length, set });
  }

  /**
   * The parameter of the program's shared object `id` (a semaphore's
   * initial value, a channel's capacity): the one its first use asked for.
   * Every object is made at its first use, so later uses adopt it.
   */
  shared(id: string, param: number): number {
    const known = this.params.get(id);
    if (known !== undefined) return known;
    this.params.set(id, param);
    return param;
  }

  private readonly params = new Map<string, number>();

  /** Records that task `task`'s code used the `end` of `channel` (so it may close it later). */
  usedEnd(task: string, channel: string, end: "send" | "receive"): void {
    const ends = this.ends.get(task) ?? [];
    if (!ends.some((e) => e.channel === channel && e.end === end)) ends.push({ channel, end });
    this.ends.set(task, ends);
  }

  /** The channel ends task `task`'s code used so far, in program order. */
  endsUsedBy(
    task: string,
  ): readonly { readonly channel: string; readonly end: "send" | "receive" }[] {
    return this.ends.get(task) ?? [];
  }

  private readonly ends = new Map<string, { channel: string; end: "send" | "receive" }[]>();

  /** Makes `id` something `cancel` statements may target. */
  cancellable(id: string): void {
    this.targets.push(id);
  }

  /** Asks for any cancellable id (`key` picks one): `set` receives it once every id is known. */
  anyTarget(key: number, set: (id: string) => void): void {
    this.cancels.push({ key, set });
  }

  /** The program, or `null` when it has more timed statements than {@link MAX_TIMED}. */
  program(raw: RawBlock): Program | null {
    const body = this.block(raw, {
      nurseries: [],
      enclosing: [],
      task: "t0",
      startChild: false,
      fresh: false,
      cleanup: false,
      held: [],
      handles: [],
    });
    if (this.timed.length > MAX_TIMED) return null;
    // Distinct powers of two, ranked by key (ties: program order).
    const ranked = [...this.timed].sort((a, b) => a.key - b.key || a.order - b.order);
    ranked.forEach((t, rank) => t.set(2 ** rank));
    // The main task is a target only when nothing else is (cancelling it
    // ends everything, which makes for dull programs).
    const targets = this.targets.length > 1 ? this.targets.slice(1) : this.targets;
    for (const c of this.cancels) c.set(targets[c.key % targets.length]!);
    return makeProgram(deepFreeze({ id: "t0", body, value: "v0" }));
  }

  /** Normalises a block at `place`; what it starts and opens is visible to its later statements. */
  block(raw: RawBlock, place: Place): Stmt[] {
    const out: Stmt[] = [];
    let here = place;
    const todo = [...raw];
    for (let r = todo.shift(); r !== undefined; r = todo.shift()) {
      if ("inline" in r) {
        todo.unshift(...r.inline);
        continue;
      }
      const stmt = r.normalize(this, here);
      if (stmt === null) continue;
      out.push(stmt);
      if (here.fresh && leavesInstant(stmt)) here = { ...here, fresh: false };
    }
    return out;
  }

  /** Opens a nursery at `place` around `raw`; once it has ended, the tasks started into it have. */
  nursery(raw: RawBlock, place: Place): Stmt {
    const id = this.id("n");
    this.cancellable(id);
    const body = this.block(raw, {
      ...place,
      nurseries: [...place.nurseries, { id, task: place.task }],
      enclosing: [...place.enclosing, id],
    });
    for (const handle of place.handles) if (handle.into === id) handle.finished = true;
    return { kind: "nursery", id, body };
  }

  /**
   * A child task `id` living in nursery `into` (of `place`'s visible
   * nurseries; `null` for the child of a group, which lives inside all of
   * them), its body normalised from `raw` after `first`.
   */
  task(
    id: string,
    raw: RawBlock,
    place: Place,
    options: {
      readonly into: string | null;
      readonly startChild: boolean;
      readonly first?: readonly Stmt[];
    },
  ): TaskSpec {
    const { into } = options;
    const nurseries =
      into === null
        ? place.nurseries
        : place.nurseries.slice(0, place.nurseries.findIndex((n) => n.id === into) + 1);
    // The child lives in `into`: nurseries inner to it may close before the
    // child ends, so it sees only `into` and what encloses it.
    const enclosing =
      into === null ? place.enclosing : place.enclosing.slice(0, place.enclosing.indexOf(into) + 1);
    const child: Place = {
      nurseries,
      enclosing,
      task: id,
      startChild: options.startChild,
      // A group's children run inside their owner's step, at its place.
      fresh: into === null ? place.fresh : true,
      cleanup: false,
      // Locks are held by tasks: a child holds none of its spawner's.
      held: [],
      handles: place.handles.map((h): Handle => ({ ...h })),
    };
    const body = [...(options.first ?? []), ...this.block(raw, child)];
    return { id, body, value: `v${id.slice(1)}` };
  }
}

/** Freezes a normalised tree; values that are frozen already (statement definitions) are left as they are. */
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

/** Makes a statement whose fields are set later (durations, targets) mutable while it is built. */
export type Draft<S> = { -readonly [K in keyof S]: S[K] };

/** The statement of kind `K`. */
export type StmtOf<K extends Stmt["kind"]> = Extract<Stmt, { kind: K }>;
