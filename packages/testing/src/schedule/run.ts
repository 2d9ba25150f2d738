import type { Operation, Outcome } from "@copse/core";
import { VirtualClock } from "../virtual-clock.js";
import { ControlledRun, describe, settle } from "./control.js";
import { FIFO, SchedulePlayer, encodeSchedule, type Choice, type Schedule } from "./schedule.js";

/** What a program run by {@link runScheduled} receives. */
export interface ScheduleContext {
  /** The run's clock (fresh for every run). */
  readonly clock: VirtualClock;
  /** Adds a line, stamped with the virtual time, to the run's notes (shown in reports). */
  note(text: string): void;
}

/**
 * A program for schedule exploration: a function that builds its own state
 * (no state shared between runs) and returns the operation to run. It fails
 * by throwing; `check` can add conditions on its value.
 */
export type ScheduledProgram<T> = (context: ScheduleContext) => Operation<T>;

/** A note a program wrote, with the virtual time it was written at. */
export interface Note {
  readonly time: number;
  readonly text: string;
}

/** Options of {@link runScheduled}. */
export interface RunScheduledOptions<T> {
  /** Extra condition on the program's value: return `false` or a message to fail the run. */
  check?: (value: T) => boolean | string | void | undefined;
  /** The time the run's VirtualClock starts at (default 0). */
  clockStart?: number;
  /** Record the names of the ready tasks at each choice (for reports; default `false`). */
  names?: boolean;
  /**
   * Give up on a run that takes more turns than this (a livelock; default
   * 1 000 000). Only counted when a schedule is given.
   */
  maxTurns?: number;
}

/** How one run under a schedule went. */
export interface ScheduledRun<T> {
  /** The deviations that took effect (replaying them gives this same run). */
  readonly schedule: Schedule;
  /** {@link encodeSchedule} of `schedule`. */
  readonly token: string;
  /** The root task's outcome; `undefined` when it never finished (see `stuck`). */
  readonly outcome: Outcome<T> | undefined;
  /**
   * Why the run never finished: every task blocked for good, no progress
   * while a promise was pending, or more turns than `maxTurns`.
   */
  readonly stuck: "deadlock" | "stalled" | "abandoned" | undefined;
  /** Whether the run failed: the program threw or was cancelled, never finished, or `check` said so. */
  readonly failed: boolean;
  /** What failed, in words. */
  readonly failure: string | undefined;
  /** The error the program threw, or the one `check` threw. */
  readonly error: unknown;
  /** Every real choice the runtime made (two or more candidates). */
  readonly choices: readonly Choice[];
  /** What the program wrote with `note`. */
  readonly notes: readonly Note[];
  /** The clock's time when the run ended. */
  readonly time: number;
  /** How many turns the runtime took. */
  readonly turns: number;
}

/**
 * Runs `program` on a fresh {@link VirtualClock}, letting `schedule` decide
 * which ready task runs next and which of several timers due at the same
 * instant fires first (FIFO where it says nothing), and reports what
 * happened. Never throws for a failing program: look at `failed`.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkpoint, nursery } from "@copse/core";
 * import { makeSchedule, runScheduled } from "@copse/testing";
 *
 * function* program() {
 *   const order: string[] = [];
 *   yield* nursery(function* (n) {
 *     n.startSoon(function* a() { yield* checkpoint(); order.push("a"); });
 *     n.startSoon(function* b() { yield* checkpoint(); order.push("b"); });
 *   });
 *   return order.join("");
 * }
 * const fifo = await runScheduled(program);
 * assert.deepEqual(fifo.outcome, { status: "ok", value: "ab" });
 * const swapped = await runScheduled(program, makeSchedule([{ kind: "ready", at: 2, pick: 1 }]));
 * assert.deepEqual(swapped.outcome, { status: "ok", value: "ba" });
 * ```
 */
export async function runScheduled<T>(
  program: ScheduledProgram<T>,
  schedule: Schedule = FIFO,
  options: RunScheduledOptions<T> = {},
): Promise<ScheduledRun<T>> {
  return execute(program, schedule, options);
}

/**
 * Runs `program` under `schedule`, or, with `null`, exactly as `run` would
 * (no schedule policy installed, so no choices are recorded: a policy makes
 * the runtime expire due timers before every turn instead of every batch,
 * which only differs when a task moves time with `clock.busy`).
 *
 * @internal
 */
export async function execute<T>(
  program: ScheduledProgram<T>,
  schedule: Schedule | null,
  options: RunScheduledOptions<T> = {},
): Promise<ScheduledRun<T>> {
  const clock = new VirtualClock({ start: options.clockStart ?? 0 });
  const player = new SchedulePlayer(schedule ?? FIFO);
  const notes: Note[] = [];
  const withNames = options.names === true;
  const maxTurns = options.maxTurns ?? 1_000_000;
  const ctl: ControlledRun = new ControlledRun(clock, {
    onTurn: (turn, count) => {
      if (turn > maxTurns) ctl.abandonRequested = true;
      return player.pickReady(
        count,
        turn,
        clock.now(),
        withNames ? () => ctl.readyNames() : undefined,
      );
    },
    onTimers: (count) => player.pickTimer(count, ctl.turn, clock.now()),
  });
  const context: ScheduleContext = {
    clock,
    note: (text) => {
      notes.push({ time: clock.now(), text });
    },
  };
  const task = ctl.start(
    () => program(context),
    program.name === "" ? "main" : program.name,
    schedule !== null,
  );
  const settled = await settle(task, ctl);
  const outcome = task.outcome;
  let failure: string | undefined;
  let error: unknown;
  if (settled !== "done" || outcome === undefined) {
    failure =
      settled === "deadlock"
        ? `the program never finished: every task is blocked and no timer is set (deadlock at t=${clock.now()} ms)`
        : settled === "stalled"
          ? `the program never finished: no progress while waiting for a promise (at t=${clock.now()} ms)`
          : `the program was still running after ${maxTurns} turns (at t=${clock.now()} ms); the run was abandoned`;
  } else if (outcome.status === "error") {
    error = outcome.error;
    failure = `the program threw ${describe(outcome.error)}`;
  } else if (outcome.status === "cancelled") {
    failure = "the program ended cancelled";
  } else if (options.check !== undefined) {
    try {
      const verdict = options.check(outcome.value);
      if (verdict === false) failure = `check failed for the value ${describe(outcome.value)}`;
      else if (typeof verdict === "string") failure = verdict;
    } catch (thrown) {
      error = thrown;
      failure = `check threw ${describe(thrown)}`;
    }
  }
  const effective = player.effective();
  return {
    schedule: effective,
    token: encodeSchedule(effective),
    outcome,
    stuck: settled === "done" ? undefined : settled,
    failed: failure !== undefined,
    failure,
    error,
    choices: player.choices,
    notes,
    time: clock.now(),
    turns: ctl.turn,
  };
}
