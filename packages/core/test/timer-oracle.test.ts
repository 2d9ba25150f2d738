// A timing oracle for the runtime's timers: random programs of sleeps,
// deadlines and deadline moves run on a virtual clock, and the time of every
// wake-up and every caught cancellation is checked against an independent
// model. (The other timing tests compare the eager path with the lazy one,
// which share the runtime's timers and so share their bugs; see C12.5.)
//
// The program: "lanes", each a task that sleeps, enters an outer scope (a
// CancelScope or a timeout) and maybe an inner scope (maybe shielded), and
// sleeps inside them; and "movers", tasks that sleep and then move, remove
// or cancel a lane's deadline while it is entered.
//
// No two things happen at one instant unless one causes the other: every
// time is a multiple of U plus a residue owned by one actor (a lane's
// sleeps, its outer deadline, its inner deadline, a mover), so the model
// needs no tie rule. A lane's sleep after a cancellation it caught (at
// another actor's time) is shortened to land on its own residue again.
import { CancelScope, nursery, sleep, sleepUntil, type Operation } from "@copse/core";
import type { VirtualClock } from "@copse/testing";
import { failAfter, moveOnAfter, moveOnAt, TimeoutError } from "@copse/timeout";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runVirtual, start, valueOf, type Path } from "./helpers.js";

const U = 16;
const MAX_LANES = 4;
const MAX_MOVERS = 3;

// Residues: lane k owns 1 + 3k (its sleeps), 2 + 3k (outer deadline) and
// 3 + 3k (inner deadline); mover j owns 13 + j. Time 0 owns nothing.
const sleepResidue = (lane: number): number => 1 + 3 * lane;
const outerResidue = (lane: number): number => 2 + 3 * lane;
const innerResidue = (lane: number): number => 3 + 3 * lane;
const moverResidue = (mover: number): number => 3 * MAX_LANES + 1 + mover;

const mod = (a: number, m: number): number => ((a % m) + m) % m;

type DeadlineSpec = { kind: "none" } | { kind: "abs"; c: number } | { kind: "rel"; c: number };
type SleepSpec = { kind: "for"; k: number } | { kind: "until"; b: number };
type OuterMake = "scope" | "moveOnAfter" | "moveOnAt" | "failAfter";
type Action =
  | { kind: "abs"; c: number } // deadline = U*c + residue: earlier, later or past
  | { kind: "rel"; c: number } // relativeDeadline = a value landing on the residue
  | { kind: "now" } // relativeDeadline = 0: cancels at once
  | { kind: "never"; relative: boolean } // deadline / relativeDeadline = Infinity
  | { kind: "cancel" };

interface LaneSpec {
  path: Path;
  /** Enters its scopes at U*pre + its sleep residue. */
  pre: number;
  make: OuterMake;
  outer: DeadlineSpec;
  inner: { dl: DeadlineSpec; shield: boolean } | null;
  /** Inside the inner scope (or the outer one if there is none). */
  sleepsA: SleepSpec[];
  /** In the outer scope, after the inner one. */
  sleepsB: SleepSpec[];
}

interface Step {
  /** Units slept before acting (the first step sleeps 2 more, so every lane has entered). */
  wait: number;
  lane: number;
  inner: boolean;
  action: Action;
}

interface Program {
  lanes: LaneSpec[];
  movers: Step[][];
}

type Entry = readonly unknown[];

// ---- generators -----------------------------------------------------------

const absArb = fc.record({ kind: fc.constant("abs" as const), c: fc.integer({ min: 0, max: 16 }) });
const relArb = fc.record({ kind: fc.constant("rel" as const), c: fc.integer({ min: 0, max: 10 }) });
const noneArb = fc.constant({ kind: "none" as const });
const deadlineArb: fc.Arbitrary<DeadlineSpec> = fc.oneof(absArb, relArb, noneArb);

const sleepArb: fc.Arbitrary<SleepSpec> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("for" as const), k: fc.integer({ min: 1, max: 6 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("until" as const),
      b: fc.integer({ min: 0, max: 14 }),
    }),
  },
);

const outerArb: fc.Arbitrary<{ make: OuterMake; outer: DeadlineSpec }> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ make: fc.constant("scope" as const), outer: deadlineArb }) },
  fc.record({
    make: fc.constantFrom("moveOnAfter" as const, "failAfter" as const),
    outer: fc.oneof(relArb, noneArb),
  }),
  fc.record({ make: fc.constant("moveOnAt" as const), outer: fc.oneof(absArb, noneArb) }),
);

const laneArb: fc.Arbitrary<LaneSpec> = fc
  .record({
    path: fc.constantFrom<Path>("lazy", "eager"),
    pre: fc.integer({ min: 0, max: 1 }),
    outer: outerArb,
    inner: fc.option(fc.record({ dl: deadlineArb, shield: fc.boolean() }), { nil: null }),
    sleepsA: fc.array(sleepArb, { minLength: 1, maxLength: 4 }),
    sleepsB: fc.array(sleepArb, { minLength: 0, maxLength: 3 }),
  })
  .map(({ outer, ...rest }) => ({ ...rest, ...outer }));

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("abs" as const), c: fc.integer({ min: 0, max: 20 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("rel" as const), c: fc.integer({ min: 0, max: 8 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "now" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("never" as const), relative: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "cancel" as const }) },
);

const stepArb: fc.Arbitrary<Step> = fc.record({
  wait: fc.integer({ min: 0, max: 4 }),
  lane: fc.nat(MAX_LANES - 1),
  inner: fc.boolean(),
  action: actionArb,
});

const programArb: fc.Arbitrary<Program> = fc.record({
  lanes: fc.array(laneArb, { minLength: 1, maxLength: MAX_LANES, size: "medium" }),
  movers: fc.array(fc.array(stepArb, { minLength: 1, maxLength: 6, size: "medium" }), {
    minLength: 1,
    maxLength: MAX_MOVERS,
    size: "medium",
  }),
});

// ---- values shared by the program and the model ---------------------------

const entryTime = (lane: LaneSpec, k: number): number => U * lane.pre + sleepResidue(k);

/** What a deadline spec means on a scope entered at `entry`: the option value and the absolute deadline. */
function deadlineOf(
  spec: DeadlineSpec,
  residue: number,
  entry: number,
  k: number,
): { option: number; at: number } {
  if (spec.kind === "none") return { option: Infinity, at: Infinity };
  if (spec.kind === "abs") return { option: U * spec.c + residue, at: U * spec.c + residue };
  const relative = U * spec.c + (residue - sleepResidue(k)); // >= 1: lands on the residue
  return { option: relative, at: entry + relative };
}

/** A `sleep(ms)` that lands on the lane's residue, `k` units or a little less ahead. */
const sleepMs = (k: number, now: number, lane: number): number =>
  U * k - mod(now - sleepResidue(lane), U);
const untilTime = (b: number, lane: number): number => U * b + sleepResidue(lane);

function targetResidue(
  step: Step,
  program: Program,
): { lane: number; inner: boolean; residue: number } {
  const lane = step.lane % program.lanes.length;
  const inner = step.inner && program.lanes[lane]!.inner !== null;
  return { lane, inner, residue: inner ? innerResidue(lane) : outerResidue(lane) };
}

const moverWait = (step: Step, i: number, j: number): number =>
  i === 0 ? U * (2 + step.wait) + moverResidue(j) : U * step.wait;

// ---- the model ------------------------------------------------------------

interface Move {
  at: number;
  action: Action;
  mover: number;
}

/**
 * When a scope entered at `entry` with deadline `d0` is cancelled, given the
 * moves made while it is entered (in time order). Moves after it exited are
 * listed too; they come after its exit, so the lane never looks at them.
 */
function cancelTime(entry: number, d0: number, moves: readonly Move[], residue: number): number {
  let d = d0;
  if (d <= entry) return entry;
  for (const move of moves) {
    if (d <= move.at) return d;
    const { action, at } = move;
    if (action.kind === "abs") {
      d = U * action.c + residue;
      if (d <= at) return at; // a deadline in the past cancels at once
    } else if (action.kind === "rel") {
      d = at + U * action.c + mod(residue - moverResidue(move.mover), U);
    } else if (action.kind === "never") {
      d = Infinity;
    } else {
      return at; // "now", "cancel"
    }
  }
  return d;
}

function model(program: Program): { lanes: Entry[][]; movers: Entry[][]; end: number } {
  const movesOf = program.lanes.map(() => ({ outer: [] as Move[], inner: [] as Move[] }));
  let end = 0;
  const movers = program.movers.map((steps, j) => {
    const log: Entry[] = [];
    let t = 0;
    steps.forEach((step, i) => {
      t += moverWait(step, i, j);
      log.push(["act", t]);
      const { lane, inner } = targetResidue(step, program);
      movesOf[lane]![inner ? "inner" : "outer"].push({ at: t, action: step.action, mover: j });
    });
    end = Math.max(end, t);
    return log;
  });
  const lanes = program.lanes.map((lane, k) => {
    const log: Entry[] = [];
    const entry = entryTime(lane, k);
    // Moves of different movers never share an instant; one mover's are in order.
    const byTime = (moves: Move[]): Move[] => moves.sort((a, b) => a.at - b.at);
    const cO = cancelTime(
      entry,
      deadlineOf(lane.outer, outerResidue(k), entry, k).at,
      byTime(movesOf[k]!.outer),
      outerResidue(k),
    );
    const cI =
      lane.inner === null
        ? Infinity
        : cancelTime(
            entry,
            deadlineOf(lane.inner.dl, innerResidue(k), entry, k).at,
            byTime(movesOf[k]!.inner),
            innerResidue(k),
          );
    let t = entry;
    log.push(["enter", t]);
    // Runs sleeps while the effective cancellation comes at `ce`: whether
    // `Cancelled` was raised (at the new `t`).
    const sleeps = (specs: readonly SleepSpec[], ce: number): boolean => {
      for (const spec of specs) {
        if (ce <= t) return true; // a wait in a cancelled scope raises at once
        const wake =
          spec.kind === "for" ? t + sleepMs(spec.k, t, k) : Math.max(t, untilTime(spec.b, k));
        if (ce === wake) throw new Error(`the generator made a tie at ${wake}`);
        if (ce < wake) {
          t = ce;
          return true;
        }
        t = wake;
        log.push(["wake", t]);
      }
      return false;
    };
    const exitOuter = (caught: boolean): void => {
      log.push(["exitO", t, caught && lane.make === "failAfter" ? "timeout" : caught]);
    };
    if (lane.inner === null) {
      exitOuter(sleeps([...lane.sleepsA, ...lane.sleepsB], cO));
    } else {
      const shield = lane.inner.shield;
      if (sleeps(lane.sleepsA, shield ? cI : Math.min(cI, cO))) {
        // The outermost cancelled scope the `Cancelled` can see catches it.
        const outerSeen = !shield && cO <= t;
        log.push(["exitI", t, !outerSeen]);
        if (outerSeen) exitOuter(true);
        else exitOuter(sleeps(lane.sleepsB, cO));
      } else {
        log.push(["exitI", t, false]);
        exitOuter(sleeps(lane.sleepsB, cO));
      }
    }
    end = Math.max(end, t);
    return log;
  });
  return { lanes, movers, end };
}

// ---- the program ----------------------------------------------------------

interface Scopes {
  outer: CancelScope | null;
  inner: CancelScope | null;
}

function* laneTask(
  lane: LaneSpec,
  k: number,
  log: Entry[],
  clock: VirtualClock,
  scopes: Scopes,
): Operation<void> {
  const entry = entryTime(lane, k);
  yield* sleep(entry);
  function* sleeps(specs: readonly SleepSpec[]): Operation<void> {
    for (const spec of specs) {
      if (spec.kind === "for") yield* sleep(sleepMs(spec.k, clock.now(), k));
      else yield* sleepUntil(untilTime(spec.b, k));
      log.push(["wake", clock.now()]);
    }
  }
  function* body(outer: CancelScope): Operation<void> {
    scopes.outer = outer;
    log.push(["enter", clock.now()]);
    const inner = lane.inner;
    if (inner === null) {
      yield* sleeps([...lane.sleepsA, ...lane.sleepsB]);
      return;
    }
    const dl = deadlineOf(inner.dl, innerResidue(k), entry, k);
    const scope = new CancelScope({
      shield: inner.shield,
      ...(inner.dl.kind === "abs" ? { deadline: dl.option } : {}),
      ...(inner.dl.kind === "rel" ? { relativeDeadline: dl.option } : {}),
    });
    scopes.inner = scope;
    try {
      yield* scope.run(() => sleeps(lane.sleepsA));
    } finally {
      log.push(["exitI", clock.now(), scope.cancelledCaught]);
    }
    yield* sleeps(lane.sleepsB);
  }
  const dl = deadlineOf(lane.outer, outerResidue(k), entry, k);
  if (lane.make === "scope") {
    const scope = new CancelScope(
      lane.outer.kind === "abs"
        ? { deadline: dl.option }
        : lane.outer.kind === "rel"
          ? { relativeDeadline: dl.option }
          : undefined,
    );
    yield* scope.run(body);
    log.push(["exitO", clock.now(), scope.cancelledCaught]);
  } else if (lane.make === "moveOnAfter" || lane.make === "moveOnAt") {
    const timeout = lane.make === "moveOnAfter" ? moveOnAfter : moveOnAt;
    yield* timeout(dl.option, body);
    log.push(["exitO", clock.now(), scopes.outer!.cancelledCaught]);
  } else {
    try {
      yield* failAfter(dl.option, body);
      log.push(["exitO", clock.now(), false]);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      log.push(["exitO", clock.now(), "timeout"]);
    }
  }
}

function* moverTask(
  program: Program,
  steps: readonly Step[],
  j: number,
  log: Entry[],
  clock: VirtualClock,
  scopes: readonly Scopes[],
): Operation<void> {
  for (const [i, step] of steps.entries()) {
    const ms = moverWait(step, i, j);
    if (ms > 0) yield* sleep(ms); // no sleep: the actions of one instant stay together
    log.push(["act", clock.now()]);
    const { lane, inner, residue } = targetResidue(step, program);
    const scope = inner ? scopes[lane]!.inner : scopes[lane]!.outer;
    if (scope === null) throw new Error("a mover acted before its lane entered its scopes");
    const action = step.action;
    if (action.kind === "abs") scope.deadline = U * action.c + residue;
    else if (action.kind === "rel") {
      scope.relativeDeadline = U * action.c + mod(residue - moverResidue(j), U);
    } else if (action.kind === "now") scope.relativeDeadline = 0;
    else if (action.kind === "never") {
      if (action.relative) scope.relativeDeadline = Infinity;
      else scope.deadline = Infinity;
    } else scope.cancel();
  }
}

function runProgram(program: Program): {
  lanes: Entry[][];
  movers: Entry[][];
  end: number;
  pendingTimers: number;
} {
  const lanes = program.lanes.map((): Entry[] => []);
  const movers = program.movers.map((): Entry[] => []);
  const { task, clock } = runVirtual(function* (_log, clock) {
    const scopes = program.lanes.map((): Scopes => ({ outer: null, inner: null }));
    yield* nursery(function* (n) {
      program.lanes.forEach((lane, k) => {
        start(n, lane.path, () => laneTask(lane, k, lanes[k]!, clock, scopes[k]!));
      });
      program.movers.forEach((steps, j) => {
        n.startSoon(() => moverTask(program, steps, j, movers[j]!, clock, scopes));
      });
    });
  });
  valueOf(task); // programs that only sleep finish synchronously
  return { lanes, movers, end: clock.now(), pendingTimers: clock.pendingTimers };
}

// ---- the tests ------------------------------------------------------------

describe("timer oracle: wake-up and cancellation times against a model", () => {
  it("random lanes of scopes and sleeps, and movers that change their deadlines", () => {
    fc.assert(
      fc.property(programArb, (program) => {
        const expected = model(program);
        expect(runProgram(program)).toEqual({ ...expected, pendingTimers: 0 });
      }),
    );
  });

  it("a deadline moved later lets the sleep it moved past wake on time (model and runtime)", () => {
    // The outer deadline (66) is set before the sleep (to 81); a mover at 45
    // moves it to 130, behind the sleep, which must still wake at 81; the
    // second sleep (to 161) is cut at 130.
    const program: Program = {
      lanes: [
        {
          path: "lazy",
          pre: 0,
          make: "scope",
          outer: { kind: "abs", c: 4 },
          inner: null,
          sleepsA: [
            { kind: "for", k: 5 },
            { kind: "for", k: 5 },
          ],
          sleepsB: [],
        },
      ],
      movers: [[{ wait: 0, lane: 0, inner: false, action: { kind: "abs", c: 8 } }]],
    };
    const expected = {
      lanes: [
        [
          ["enter", 1],
          ["wake", 81],
          ["exitO", 130, true],
        ],
      ],
      movers: [[["act", 45]]],
      end: 130,
    };
    expect(model(program)).toEqual(expected);
    expect(runProgram(program)).toEqual({ ...expected, pendingTimers: 0 });
  });

  it("a shielded inner scope holds off an outer cancellation until it exits (model and runtime)", () => {
    // The mover cancels the outer scope at 45 while the lane sleeps in a
    // shielded inner scope; the sleep wakes at 65, the inner scope exits
    // normally, and the next sleep, in the outer scope, raises at once.
    const program: Program = {
      lanes: [
        {
          path: "eager",
          pre: 0,
          make: "failAfter",
          outer: { kind: "none" },
          inner: { dl: { kind: "none" }, shield: true },
          sleepsA: [{ kind: "for", k: 4 }],
          sleepsB: [{ kind: "for", k: 1 }],
        },
      ],
      movers: [[{ wait: 0, lane: 0, inner: false, action: { kind: "cancel" } }]],
    };
    const expected = {
      lanes: [
        [
          ["enter", 1],
          ["wake", 65],
          ["exitI", 65, false],
          ["exitO", 65, "timeout"],
        ],
      ],
      movers: [[["act", 45]]],
      end: 65,
    };
    expect(model(program)).toEqual(expected);
    expect(runProgram(program)).toEqual({ ...expected, pendingTimers: 0 });
  });
});
