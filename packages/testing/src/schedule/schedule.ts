import fc from "fast-check";

/** Which kind of choice a {@link Deviation} overrides. */
export type ChoiceKind = "ready" | "timer";

/**
 * One departure from FIFO scheduling: at the `at`-th real choice of its kind
 * (counting from 0, and counting only choices between two or more
 * candidates), run candidate `pick % count` instead of candidate 0.
 *
 * - `"ready"`: which ready task runs next; candidates are the ready tasks in
 *   the order they became ready.
 * - `"timer"`: which of several timers due at the same instant fires next;
 *   candidates are those timers in the order they were set.
 *
 * A deviation whose `pick % count` is 0, or whose choice never comes, has
 * no effect.
 */
export interface Deviation {
  readonly kind: ChoiceKind;
  readonly at: number;
  readonly pick: number;
}

/**
 * A schedule: the deviations from FIFO that a run takes. The empty schedule
 * is FIFO, copse's default. Schedules are plain data: build them by hand,
 * generate them with {@link scheduleArbitrary}, or decode a replay token
 * with {@link decodeSchedule}.
 */
export interface Schedule {
  readonly deviations: readonly Deviation[];
}

/** The FIFO schedule (no deviation). */
export const FIFO: Schedule = makeSchedule([]);

const TOKEN_PREFIX = "copse-schedule:1:";

function printSchedule(this: Schedule): string {
  return JSON.stringify(encodeSchedule(this));
}

/** Builds a schedule; fast-check prints it as its replay token. */
export function makeSchedule(deviations: readonly Deviation[]): Schedule {
  const schedule = {
    deviations: deviations.map((d) => ({ kind: d.kind, at: d.at, pick: d.pick })),
  };
  Object.defineProperty(schedule, fc.toStringMethod, { value: printSchedule, enumerable: false });
  return schedule;
}

/**
 * The replay token of a schedule: `copse-schedule:1:` followed by the
 * deviations (`r<at>=<pick>` for a ready choice, `t<at>=<pick>` for a timer
 * choice), or `fifo` for none. {@link decodeSchedule} reads it back.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSchedule, encodeSchedule, makeSchedule } from "@copse/testing";
 *
 * const token = encodeSchedule(makeSchedule([{ kind: "ready", at: 2, pick: 1 }]));
 * assert.equal(token, "copse-schedule:1:r2=1");
 * assert.deepEqual(decodeSchedule(token).deviations, [{ kind: "ready", at: 2, pick: 1 }]);
 * ```
 */
export function encodeSchedule(schedule: Schedule): string {
  const parts = schedule.deviations.map(
    (d) => `${d.kind === "ready" ? "r" : "t"}${d.at}=${d.pick}`,
  );
  return TOKEN_PREFIX + (parts.length === 0 ? "fifo" : parts.join(","));
}

/**
 * Reads a replay token made by {@link encodeSchedule}.
 *
 * @throws TypeError when the text is not a copse schedule token (the
 *   message says what is wrong).
 */
export function decodeSchedule(token: string): Schedule {
  if (typeof token !== "string" || !token.startsWith(TOKEN_PREFIX)) {
    throw new TypeError(
      `not a copse schedule token: expected text starting with "${TOKEN_PREFIX}", got ${JSON.stringify(token)}`,
    );
  }
  const body = token.slice(TOKEN_PREFIX.length).trim();
  if (body === "fifo" || body === "") return FIFO;
  const deviations: Deviation[] = [];
  for (const part of body.split(",")) {
    const m = /^([rt])(\d+)=(\d+)$/.exec(part.trim());
    if (m === null) {
      throw new TypeError(
        `bad deviation ${JSON.stringify(part)} in schedule token ${JSON.stringify(token)}: expected r<at>=<pick> or t<at>=<pick>`,
      );
    }
    deviations.push({
      kind: m[1] === "r" ? "ready" : "timer",
      at: Number(m[2]),
      pick: Number(m[3]),
    });
  }
  return makeSchedule(deviations);
}

/** Options of {@link scheduleArbitrary}. */
export interface ScheduleArbitraryOptions {
  /** At most this many deviations (default 4). */
  maxDeviations?: number;
  /** The largest choice index a deviation may target (default 16). */
  maxAt?: number;
  /** The largest `pick` (default 4); picks are taken modulo the number of candidates. */
  maxPick?: number;
  /** Whether to deviate in timer choices too (default `true`). */
  timers?: boolean;
}

/**
 * A fast-check arbitrary of schedules. It shrinks towards FIFO: fewer
 * deviations, earlier choices, smaller picks. Compose it with your own
 * arbitraries and run each value with {@link runScheduled}.
 */
export function scheduleArbitrary(options: ScheduleArbitraryOptions = {}): fc.Arbitrary<Schedule> {
  const maxDeviations = options.maxDeviations ?? 4;
  const maxAt = options.maxAt ?? 16;
  const maxPick = options.maxPick ?? 4;
  const kind: fc.Arbitrary<ChoiceKind> =
    options.timers === false ? fc.constant("ready") : fc.constantFrom("ready", "timer");
  return fc
    .array(
      fc.record({
        kind,
        at: fc.nat({ max: maxAt }),
        pick: fc.integer({ min: 1, max: Math.max(1, maxPick) }),
      }),
      { maxLength: maxDeviations },
    )
    .map(makeSchedule);
}

/**
 * One choice the runtime made during a run: which ready task ran, or which
 * of several timers due at one instant fired. Only real choices (two or more
 * candidates) are recorded.
 */
export interface Choice {
  readonly kind: ChoiceKind;
  /** The choice's index among choices of its kind (what {@link Deviation.at} refers to). */
  readonly at: number;
  /** For a ready choice, the turn it started; for a timer choice, the turns run before it. */
  readonly turn: number;
  /** The virtual time of the choice. */
  readonly time: number;
  /** How many candidates there were. */
  readonly count: number;
  /** The candidate taken (0 is FIFO). */
  readonly picked: number;
  /** For a ready choice when names were recorded: the ready tasks, in FIFO order. */
  readonly names?: readonly string[];
}

/** Plays a schedule: the deviation for each choice, and a record of the choices. */
export class SchedulePlayer {
  private readonly ready = new Map<number, number>();
  private readonly timer = new Map<number, number>();
  private readyAt = 0;
  private timerAt = 0;
  readonly choices: Choice[] = [];

  constructor(schedule: Schedule) {
    for (const d of schedule.deviations) {
      const map = d.kind === "ready" ? this.ready : this.timer;
      if (!map.has(d.at)) map.set(d.at, d.pick);
    }
  }

  /** Picks among `count` ready tasks at `turn`. */
  pickReady(count: number, turn: number, time: number, names?: () => string[]): number {
    if (count < 2) return 0;
    const at = this.readyAt++;
    const picked = (this.ready.get(at) ?? 0) % count;
    this.choices.push({
      kind: "ready",
      at,
      turn,
      time,
      count,
      picked,
      ...(names === undefined ? {} : { names: names() }),
    });
    return picked;
  }

  /** Picks among `count` timers due at the same instant. */
  pickTimer(count: number, turn: number, time: number): number {
    if (count < 2) return 0;
    const at = this.timerAt++;
    const picked = (this.timer.get(at) ?? 0) % count;
    this.choices.push({ kind: "timer", at, turn, time, count, picked });
    return picked;
  }

  /** The deviations that took effect, canonical: replaying them gives the same run. */
  effective(): Schedule {
    return makeSchedule(
      this.choices
        .filter((c) => c.picked !== 0)
        .map((c) => ({ kind: c.kind, at: c.at, pick: c.picked })),
    );
  }
}
