import fc from "fast-check";
import {
  runScheduled,
  type RunScheduledOptions,
  type ScheduledProgram,
  type ScheduledRun,
} from "./run.js";
import {
  FIFO,
  decodeSchedule,
  makeSchedule,
  scheduleArbitrary,
  type Choice,
  type Deviation,
  type Schedule,
} from "./schedule.js";

/** Options of {@link exploreSchedules}. */
export interface ExploreOptions<T> extends RunScheduledOptions<T> {
  /** How many random schedules fast-check tries (default: fast-check's global `numRuns`, usually 100). */
  runs?: number;
  /** fast-check seed (default: fast-check's global seed, or a random one). */
  seed?: number;
  /** At most this many deviations from FIFO per schedule (default 4). */
  maxDeviations?: number;
  /** Explore the order of timers due at the same instant too (default `true`). */
  timers?: boolean;
}

/** The result of {@link exploreSchedules}. */
export interface ScheduleExploration<T> {
  /** Whether every schedule tried passed. */
  readonly ok: boolean;
  /** The FIFO run (always made first). */
  readonly fifo: ScheduledRun<T>;
  /** The failing run, shrunk to as few deviations from FIFO as the search could (with task names recorded). */
  readonly failure: ScheduledRun<T> | undefined;
  /** How many deviations the schedule fast-check found had, before the kit removed the ones not needed. */
  readonly foundDeviations: number;
  /** The fast-check seed used. */
  readonly seed: number;
  /** How many schedules were run in all (FIFO, fast-check's runs and shrinks, and the kit's own shrinking). */
  readonly runs: number;
  /** Real choices in the FIFO run, by kind: what there was to explore. */
  readonly choicePoints: { readonly ready: number; readonly timer: number };
  /** A readable report: the shrunk schedule, the failure, the replay token. */
  readonly report: string;
}

/**
 * Runs `program` under FIFO and then under schedules that fast-check
 * chooses — which ready task runs next, which of several timers due at the
 * same instant fires first — looking for one under which it fails. A
 * failing schedule is shrunk by fast-check and then by removing every
 * deviation that is not needed for the failure, so the report shows few
 * deviations from FIFO (a local minimum: no single deviation can be
 * dropped). The report carries a replay token for {@link replaySchedule}.
 *
 * Every run builds the program afresh on a fresh VirtualClock, so the
 * program must not share state between runs. Never throws for a failing
 * program: see {@link assertSchedules} for that.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkpoint, nursery } from "@copse/core";
 * import { exploreSchedules, replaySchedule } from "@copse/testing";
 *
 * // Two tasks increment a counter with a checkpoint between read and write.
 * function* lostUpdate() {
 *   let counter = 0;
 *   function* increment() {
 *     const seen = counter;
 *     yield* checkpoint();
 *     counter = seen + 1;
 *   }
 *   yield* nursery(function* (n) {
 *     n.startSoon(increment);
 *     n.startSoon(function* () {
 *       yield* checkpoint(); // some other work first
 *       yield* increment();
 *     });
 *   });
 *   if (counter !== 2) throw new Error(`lost an update: counter is ${counter}`);
 * }
 *
 * const result = await exploreSchedules(lostUpdate, { runs: 200 });
 * assert.equal(result.fifo.failed, false);
 * assert.equal(result.ok, false);
 * assert.equal(result.failure!.schedule.deviations.length, 1);
 * const replay = await replaySchedule(result.failure!.token, lostUpdate);
 * assert.match(String(replay.failure), /lost an update/);
 * ```
 */
export async function exploreSchedules<T>(
  program: ScheduledProgram<T>,
  options: ExploreOptions<T> = {},
): Promise<ScheduleExploration<T>> {
  const runOptions: RunScheduledOptions<T> = {
    ...(options.check === undefined ? {} : { check: options.check }),
    ...(options.clockStart === undefined ? {} : { clockStart: options.clockStart }),
    ...(options.maxTurns === undefined ? {} : { maxTurns: options.maxTurns }),
  };
  let runs = 0;
  const runOnce = async (schedule: Schedule, names = false): Promise<ScheduledRun<T>> => {
    runs++;
    return runScheduled(program, schedule, names ? { ...runOptions, names: true } : runOptions);
  };

  const fifo = await runOnce(FIFO, true);
  const choicePoints = {
    ready: fifo.choices.filter((c) => c.kind === "ready").length,
    timer: fifo.choices.filter((c) => c.kind === "timer").length,
  };
  const globalSeed = fc.readConfigureGlobal().seed;
  let seed = options.seed ?? globalSeed ?? 0;
  if (fifo.failed) {
    return finish({ ok: false, fifo, failure: fifo, foundDeviations: 0, seed, runs, choicePoints });
  }
  // Every schedule passed (or there was no choice to make).
  const passed = (): ScheduleExploration<T> =>
    finish({ ok: true, fifo, failure: undefined, foundDeviations: 0, seed, runs, choicePoints });
  if (choicePoints.ready + choicePoints.timer === 0) return passed();

  const timers = options.timers !== false;
  const arbitrary = scheduleArbitrary({
    maxDeviations: options.maxDeviations ?? 4,
    // Deviations can create choices FIFO never had; allow some room past them.
    maxAt: Math.max(choicePoints.ready, timers ? choicePoints.timer : 0) * 2 + 1,
    maxPick: Math.max(2, ...fifo.choices.map((c) => c.count)),
    timers: timers && choicePoints.timer > 0,
  });
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (schedule) => !(await runOnce(schedule)).failed),
    {
      ...(options.runs === undefined ? {} : { numRuns: options.runs }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    },
  );
  seed = details.seed;
  if (!details.failed || details.counterexample === null) return passed();
  const found = await runOnce(details.counterexample[0]);
  const shrunk = await minimize(found, runOnce);
  const failure = await runOnce(shrunk.schedule, true);
  return finish({
    ok: false,
    fifo,
    failure,
    foundDeviations: found.schedule.deviations.length,
    seed,
    runs,
    choicePoints,
  });
}

/** Drops every deviation the failure does not need, then lowers picks, until nothing more can go. */
async function minimize<T>(
  start: ScheduledRun<T>,
  runOnce: (schedule: Schedule) => Promise<ScheduledRun<T>>,
): Promise<ScheduledRun<T>> {
  let best = start;
  for (let progress = true; progress;) {
    progress = false;
    const devs = best.schedule.deviations;
    for (let i = 0; i < devs.length && !progress; i++) {
      const candidate = await runOnce(makeSchedule(devs.filter((_, j) => j !== i)));
      if (candidate.failed && candidate.schedule.deviations.length < devs.length) {
        best = candidate;
        progress = true;
      }
    }
    for (let i = 0; i < devs.length && !progress; i++) {
      const d = devs[i]!;
      for (let pick = 1; pick < d.pick && !progress; pick++) {
        const lowered: Deviation[] = devs.map((x, j) => (j === i ? { ...x, pick } : x));
        const candidate = await runOnce(makeSchedule(lowered));
        if (candidate.failed && candidate.schedule.deviations.length <= devs.length) {
          best = candidate;
          progress = true;
        }
      }
    }
  }
  return best;
}

/** An exploration result before its report is written. */
type Unreported<T> = Omit<ScheduleExploration<T>, "report">;

function finish<T>(result: Unreported<T>): ScheduleExploration<T> {
  return { ...result, report: formatExploration(result) };
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${s}`;
}

function describeChoice(c: Choice): string {
  if (c.kind === "timer") {
    return `timer choice #${c.at} (t=${c.time} ms, after turn ${c.turn}): of ${c.count} timers due at once, the ${ordinal(c.picked + 1)} set fired first`;
  }
  const names = c.names;
  const ran = names?.[c.picked];
  const fifo = names?.[0];
  return names === undefined
    ? `ready choice #${c.at} (turn ${c.turn}, t=${c.time} ms): ran ready task #${c.picked} of ${c.count} instead of #0`
    : `ready choice #${c.at} (turn ${c.turn}, t=${c.time} ms, ready: [${names.join(", ")}]): ran ${ran} instead of ${fifo}`;
}

/** Lists a run's choices, marking its deviations. */
export function formatChoices(run: ScheduledRun<unknown>, limit = 40): string[] {
  const lines: string[] = [];
  const shown = run.choices.slice(0, limit);
  for (const c of shown) {
    const names = c.names;
    const what =
      c.kind === "timer"
        ? `${c.count} timers due → fired #${c.picked}`
        : names === undefined
          ? `${c.count} ready → ran #${c.picked}`
          : `ready [${names.join(", ")}] → ran ${names[c.picked]}`;
    lines.push(
      `  turn ${c.turn}, t=${c.time} ms: ${what}${c.picked !== 0 ? "   ◆ deviation" : ""}`,
    );
  }
  if (run.choices.length > limit) lines.push(`  … ${run.choices.length - limit} more choices`);
  return lines;
}

/** The report of an exploration, as printed by {@link assertSchedules}. */
export function formatExploration<T>(result: Unreported<T>): string {
  const { fifo, failure, choicePoints } = result;
  const points = `${choicePoints.ready} ready choice${choicePoints.ready === 1 ? "" : "s"} and ${choicePoints.timer} timer choice${choicePoints.timer === 1 ? "" : "s"} under FIFO`;
  if (failure === undefined) {
    return `Schedule exploration passed: FIFO and ${result.runs - 1} other schedule(s) (seed ${result.seed}; ${points}).`;
  }
  const lines: string[] = [];
  const devs = failure.schedule.deviations.length;
  if (failure === fifo) {
    lines.push("Schedule exploration: the program fails under FIFO already (no deviation needed).");
  } else {
    lines.push(
      `Schedule exploration found a failing schedule: ${devs} deviation${devs === 1 ? "" : "s"} from FIFO` +
        ` (fast-check seed ${result.seed}; ${result.runs} runs; found with ${result.foundDeviations}, shrunk to ${devs}).`,
    );
    lines.push(`FIFO passes (${points}).`);
    failure.choices
      .filter((c) => c.picked !== 0)
      .forEach((c, i) => lines.push(`  deviation ${i + 1}: ${describeChoice(c)}`));
  }
  lines.push(`Failure: ${failure.failure ?? "?"}`);
  lines.push(`Replay: replaySchedule(${JSON.stringify(failure.token)}, program)`);
  lines.push("Choices of the failing run:");
  lines.push(...formatChoices(failure));
  if (failure.notes.length > 0) {
    lines.push("Notes:");
    for (const note of failure.notes.slice(0, 40)) lines.push(`  t=${note.time} ms: ${note.text}`);
  }
  return lines.join("\n");
}

/** What {@link assertSchedules} throws: the exploration's report as message. */
export class ScheduleError extends Error {
  constructor(readonly exploration: ScheduleExploration<unknown>) {
    super(exploration.report);
    this.name = "ScheduleError";
  }
}

/**
 * {@link exploreSchedules}, throwing a {@link ScheduleError} (whose message is
 * the report, with the replay token) when some schedule fails.
 */
export async function assertSchedules<T>(
  program: ScheduledProgram<T>,
  options: ExploreOptions<T> = {},
): Promise<void> {
  const result = await exploreSchedules(program, options);
  if (!result.ok) throw new ScheduleError(result as ScheduleExploration<unknown>);
}

/**
 * Reruns `program` under the schedule of a replay token (from a report), with
 * task names recorded, and returns the run. The same program and token give
 * the same run every time.
 *
 * @throws TypeError when `token` is not a schedule token.
 */
export async function replaySchedule<T>(
  token: string,
  program: ScheduledProgram<T>,
  options: RunScheduledOptions<T> = {},
): Promise<ScheduledRun<T>> {
  return runScheduled(program, decodeSchedule(token), { names: true, ...options });
}
