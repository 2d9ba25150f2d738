// Generated programs that mix both worlds, an interpreter that runs them
// through the bridges, and the laws a run must obey.
//
// A program is a tree. Every node belongs to copse or to Effect; a child in
// the other world than its parent crosses a bridge (copse parent:
// `runEffect`, Effect parent: `fromOperation`). A group runs its children
// concurrently (a copse nursery, or `Effect.all` unbounded) under 0–2
// finalizers (nested try/finally, or Scope finalizers from
// `acquireRelease`) that may wait (a shielded copse sleep, an Effect sleep),
// optionally inside a timeout (`moveOnAfter`, `Effect.timeoutOption`).
// Leaves sleep, or sleep and fail. The whole program may be cancelled from
// its root's side (`task.cancel()`, `fiber.interruptUnsafe()`). Time is real
// and short (0–6 ms): the laws hold for every interleaving.
import {
  CancelScope,
  Cancelled,
  nursery,
  NurseryError,
  run,
  sleep,
  type Operation,
} from "@copse/core";
import { moveOnAfter } from "@copse/timeout";
import { Cause, Effect, Exit, type Scope } from "effect";
import fc from "fast-check";
import { EffectFailure, fromOperation, runEffect } from "../src/index.js";

export type World = "copse" | "effect";

export interface Leaf {
  readonly kind: "sleep" | "fail";
  readonly world: World;
  readonly ms: number;
}

export interface Group {
  readonly kind: "group";
  readonly world: World;
  readonly children: readonly Child[];
  /** One entry per finalizer, outermost first: how long its cleanup waits (ms). */
  readonly finalizers: readonly number[];
  readonly timeout: number | null;
}

export interface Child {
  readonly node: ProgramNode;
  /** How a copse parent starts it. */
  readonly start: "startSoon" | "startTask";
}

export type ProgramNode = Leaf | Group;

export interface Program {
  readonly root: ProgramNode;
  /** When (real ms) the root is cancelled from its own side, if at all. */
  readonly cancelAt: number | null;
}

const world = fc.constantFrom<World>("copse", "effect");

const leaf: fc.Arbitrary<Leaf> = fc.record({
  kind: fc.constantFrom<Leaf["kind"]>("sleep", "sleep", "sleep", "fail"),
  world,
  ms: fc.integer({ min: 0, max: 3 }),
});

function node(depth: number): fc.Arbitrary<ProgramNode> {
  if (depth === 0) return leaf;
  return fc.oneof({ weight: 1, arbitrary: leaf }, { weight: 2, arbitrary: group(depth) });
}

function group(depth: number): fc.Arbitrary<Group> {
  return fc.record({
    kind: fc.constant("group" as const),
    world,
    children: fc.array(
      fc.record({
        node: node(depth - 1),
        start: fc.constantFrom<Child["start"]>("startSoon", "startTask"),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    finalizers: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
    timeout: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
  });
}

/** Programs of up to three levels of groups, cancelled from the root's side or not. */
export const programs: fc.Arbitrary<Program> = fc.record({
  root: group(3),
  cancelAt: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
});

/** The failure a `fail` leaf raises; one object per leaf and run. */
export class ProgramFailure extends Error {
  constructor(readonly path: string) {
    super(`failure at ${path}`);
    this.name = "ProgramFailure";
  }
}

type EventKind = "enter" | "exit" | "acquire" | "release start" | "release end";

export interface TraceEvent {
  readonly kind: EventKind;
  /** The node's path ("0", "0.1", ...), or `<path>/f<i>` for a finalizer. */
  readonly id: string;
}

/** How the root ended, in either world's terms. */
export type RootEnd =
  | { readonly status: "ok" }
  | { readonly status: "cancelled" }
  | { readonly status: "error"; readonly error: unknown };

/** Runs one program and records what happened. */
export class Interpreter {
  readonly events: TraceEvent[] = [];
  readonly raised = new Set<ProgramFailure>();

  private log(kind: EventKind, id: string): void {
    this.events.push({ kind, id });
  }

  /** Runs the program to its end (cancelling it at `cancelAt`). */
  async run(program: Program): Promise<RootEnd> {
    const { root, cancelAt } = program;
    let cancel: () => void;
    let ended: PromiseLike<RootEnd>;
    if (root.world === "copse") {
      const task = run(() => this.copse(root, "0"));
      cancel = () => task.cancel();
      ended = task.then(
        (): RootEnd => ({ status: "ok" }),
        (error: unknown): RootEnd =>
          error instanceof Cancelled ? { status: "cancelled" } : { status: "error", error },
      );
    } else {
      const fiber = Effect.runFork(this.effect(root, "0"));
      cancel = () => fiber.interruptUnsafe();
      ended = new Promise((resolve) => fiber.addObserver((exit) => resolve(endOfExit(exit))));
    }
    const timer = cancelAt === null ? undefined : setTimeout(cancel, cancelAt);
    try {
      return await ended;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A node as a copse operation. */
  private *copse(node: ProgramNode, path: string): Operation<void> {
    this.log("enter", path);
    try {
      if (node.kind === "group") {
        yield* this.copseFinalizers(node, path, 0);
      } else {
        yield* sleep(node.ms);
        if (node.kind === "fail") throw this.raise(path);
      }
    } finally {
      this.log("exit", path);
    }
  }

  private *copseFinalizers(node: Group, path: string, i: number): Operation<void> {
    if (i === node.finalizers.length) {
      const body = () =>
        nursery((n) => {
          node.children.forEach((child, k) => {
            n[child.start](() => this.copseChild(child.node, `${path}.${k}`));
          });
          return checkpointFree();
        });
      if (node.timeout === null) yield* body();
      else yield* moveOnAfter(node.timeout, body);
      return;
    }
    const id = `${path}/f${i}`;
    this.log("acquire", id);
    try {
      yield* this.copseFinalizers(node, path, i + 1);
    } finally {
      this.log("release start", id);
      const ms = node.finalizers[i]!;
      if (ms > 0) yield* new CancelScope({ shield: true }).run(() => sleep(ms));
      this.log("release end", id);
    }
  }

  private copseChild(node: ProgramNode, path: string): Operation<void> {
    return node.world === "copse" ? this.copse(node, path) : runEffect(this.effect(node, path));
  }

  /** A node as an Effect. */
  private effect(node: ProgramNode, path: string): Effect.Effect<void, unknown> {
    const body: Effect.Effect<void, unknown> =
      node.kind === "group"
        ? this.effectGroup(node, path)
        : node.kind === "sleep"
          ? Effect.sleep(node.ms)
          : Effect.andThen(
              Effect.sleep(node.ms),
              Effect.suspend(() => Effect.fail(this.raise(path))),
            );
    return Effect.suspend(() => {
      this.log("enter", path);
      return Effect.ensuring(
        body,
        Effect.sync(() => this.log("exit", path)),
      );
    });
  }

  private effectGroup(node: Group, path: string): Effect.Effect<void, unknown> {
    const all = Effect.all(
      node.children.map((child, k) => this.effectChild(child.node, `${path}.${k}`)),
      { concurrency: "unbounded", discard: true },
    );
    const timed =
      node.timeout === null ? all : Effect.asVoid(Effect.timeoutOption(all, node.timeout));
    const finalizer = (id: string, ms: number): Effect.Effect<void> =>
      Effect.andThen(
        Effect.sync(() => this.log("release start", id)),
        Effect.andThen(
          ms > 0 ? Effect.sleep(ms) : Effect.void,
          Effect.sync(() => this.log("release end", id)),
        ),
      );
    let scoped: Effect.Effect<void, unknown, Scope.Scope> = timed;
    for (let i = node.finalizers.length - 1; i >= 0; i--) {
      const id = `${path}/f${i}`;
      const release = finalizer(id, node.finalizers[i]!);
      scoped = Effect.andThen(
        Effect.acquireRelease(
          Effect.sync(() => this.log("acquire", id)),
          () => release,
        ),
        scoped,
      );
    }
    return Effect.scoped(scoped);
  }

  private effectChild(node: ProgramNode, path: string): Effect.Effect<void, unknown> {
    return node.world === "effect"
      ? this.effect(node, path)
      : fromOperation(() => this.copse(node, path));
  }

  private raise(path: string): ProgramFailure {
    const failure = new ProgramFailure(path);
    this.raised.add(failure);
    return failure;
  }
}

/** A nursery body that starts its children and returns at once. */
function* checkpointFree(): Operation<void> {}

function endOfExit(exit: Exit.Exit<unknown, unknown>): RootEnd {
  if (Exit.isSuccess(exit)) return { status: "ok" };
  return Cause.hasInterruptsOnly(exit.cause)
    ? { status: "cancelled" }
    : { status: "error", error: new EffectFailure(exit.cause) };
}

/** The failures an error is made of, through nursery groups and Effect Causes. */
export function failuresIn(error: unknown): unknown[] {
  if (error instanceof NurseryError) return error.errors.flatMap(failuresIn);
  if (error instanceof EffectFailure) {
    return error.cause.reasons.flatMap((reason) =>
      reason._tag === "Fail"
        ? failuresIn(reason.error)
        : reason._tag === "Die"
          ? failuresIn(reason.defect)
          : [],
    );
  }
  return [error];
}

function hasEffectTimeout(node: ProgramNode): boolean {
  if (node.kind !== "group") return false;
  return (
    (node.world === "effect" && node.timeout !== null) ||
    node.children.some((child) => hasEffectTimeout(child.node))
  );
}

/**
 * The laws of a finished run; returns every one that was broken.
 *
 * 1. Every finalizer that was acquired ran exactly once, to its end.
 * 2. LIFO within a node: a later finalizer ended before an earlier one began.
 * 3. Structure across worlds: a node exits once, after everything inside it
 *    (children, their finalizers, its own finalizers) — so no fiber and no
 *    task outlives the node that started it, through any bridge.
 * 4. Nothing happens after the root has ended.
 * 5. No failure is invented and none is lost: the failures the root ended
 *    with are failures a leaf raised; if any leaf raised one, the root ended
 *    with an error — except that `Effect.timeoutOption` (like `Effect.race`)
 *    drops the failure of a body it interrupted, which is Effect's rule.
 */
export function brokenLaws(
  program: Program,
  end: RootEnd,
  events: readonly TraceEvent[],
  eventsAtEnd: number,
  raised: ReadonlySet<ProgramFailure>,
): string[] {
  const broken: string[] = [];
  const indices = new Map<string, number[]>();
  events.forEach((event, i) => {
    const key = `${event.kind} ${event.id}`;
    const list = indices.get(key);
    if (list === undefined) indices.set(key, [i]);
    else list.push(i);
  });
  const at = (kind: EventKind, id: string): number[] => indices.get(`${kind} ${id}`) ?? [];

  const visit = (node: ProgramNode, path: string): void => {
    const enters = at("enter", path).length;
    const exits = at("exit", path);
    if (enters > 1) broken.push(`${path} entered ${enters} times`);
    if (exits.length !== enters)
      broken.push(`${path} entered ${enters}, exited ${exits.length} times`);
    const exit = exits[0];
    if (exit !== undefined) {
      const inside = events.findIndex(
        (event, i) =>
          i > exit && (event.id.startsWith(`${path}.`) || event.id.startsWith(`${path}/`)),
      );
      if (inside >= 0) {
        broken.push(`${path} exited before ${events[inside]!.kind} ${events[inside]!.id}`);
      }
    }
    if (node.kind !== "group") return;
    node.finalizers.forEach((_, i) => {
      const id = `${path}/f${i}`;
      const acquired = at("acquire", id).length;
      const starts = at("release start", id);
      const ends = at("release end", id);
      if (acquired > 1) broken.push(`${id} acquired ${acquired} times`);
      if (starts.length !== acquired || ends.length !== acquired) {
        broken.push(
          `${id} acquired ${acquired}, released ${starts.length} times, ${ends.length} to the end`,
        );
      }
      const later = `${path}/f${i + 1}`;
      if (i + 1 < node.finalizers.length && starts[0] !== undefined) {
        const laterEnd = at("release end", later)[0];
        if (laterEnd !== undefined && laterEnd > starts[0]) {
          broken.push(`${id} began its release before ${later} ended (not LIFO)`);
        }
      }
    });
    node.children.forEach((child, k) => visit(child.node, `${path}.${k}`));
  };
  visit(program.root, "0");

  if (events.length !== eventsAtEnd) {
    const late = events.slice(eventsAtEnd).map((e) => `${e.kind} ${e.id}`);
    broken.push(`events after the root ended: ${late.join(", ")}`);
  }

  let failures = end.status === "error" ? failuresIn(end.error) : [];
  // Known core issue: the scope that `task.cancel()` creates does not strip
  // the `Cancelled` members of a NurseryError when the task ends (a
  // `CancelScope` does), so after cancelling a copse root they remain next
  // to the real failures. Tolerated only there.
  if (program.root.world === "copse" && program.cancelAt !== null) {
    failures = failures.filter((failure) => !(failure instanceof Cancelled));
  }
  for (const failure of failures) {
    if (!(failure instanceof ProgramFailure) || !raised.has(failure)) {
      broken.push(`the root ended with a failure no leaf raised: ${String(failure)}`);
    }
  }
  if (end.status === "error" && failures.length === 0) {
    broken.push("the root ended with an error that holds no failure");
  }
  if (raised.size > 0 && end.status !== "error" && !hasEffectTimeout(program.root)) {
    broken.push(`${raised.size} failure(s) raised, but the root ended ${end.status}`);
  }
  return broken;
}
