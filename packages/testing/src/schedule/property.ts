import type { Operation } from "@copse/core";
import fc from "fast-check";
import { execute, type ScheduleContext } from "./run.js";
import {
  FIFO,
  scheduleArbitrary,
  type Schedule,
  type ScheduleArbitraryOptions,
} from "./schedule.js";

/** Options of {@link operationProperty}. */
export interface OperationPropertyOptions {
  /** The time each run's VirtualClock starts at (default 0). */
  clockStart?: number;
  /**
   * Also let fast-check choose the schedule of each run (which ready task
   * runs next, which of several timers due at once fires first): `true`, or
   * the options of {@link scheduleArbitrary}. Default: FIFO only.
   */
  schedules?: boolean | ScheduleArbitraryOptions;
}

/** The body of an {@link operationProperty}: an operation per generated input. */
export type OperationPredicate<Ts extends unknown[]> = (
  context: ScheduleContext,
  ...values: Ts
) => Operation<unknown>;

/**
 * A fast-check property whose predicate is an operation: for every
 * generated input it runs `body(context, ...values)` on a fresh
 * {@link VirtualClock} (autojump on) and fails when the operation throws,
 * returns `false`, is cancelled, or never finishes (a deadlock is reported
 * as such, not as a test timeout). Run it with `fc.assert` (which prints the
 * seed and the shrunk input on failure) or with `copseProperty` from
 * `@copse/testing/vitest`.
 *
 * With `schedules`, the schedule of each run is generated too and shrinks
 * towards FIFO; fast-check prints it as a replay token.
 *
 * ```ts
 * import { sleep } from "@copse/core";
 * import { operationProperty } from "@copse/testing";
 * import fc from "fast-check";
 *
 * await fc.assert(
 *   operationProperty([fc.nat({ max: 1_000 })], function* ({ clock }, ms) {
 *     yield* sleep(ms);
 *     return clock.now() === ms;
 *   }),
 * );
 * ```
 */
export function operationProperty<Ts extends [unknown, ...unknown[]]>(
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  body: OperationPredicate<Ts>,
  options: OperationPropertyOptions = {},
): fc.IAsyncPropertyWithHooks<[Ts, Schedule]> {
  const setting = options.schedules ?? false;
  const explore = setting !== false;
  const schedules =
    setting === false ? fc.constant(FIFO) : scheduleArbitrary(setting === true ? {} : setting);
  const inputs = fc.tuple(
    ...(arbitraries as fc.Arbitrary<unknown>[]),
  ) as unknown as fc.Arbitrary<Ts>;
  return fc.asyncProperty(inputs, schedules, async (values, schedule) => {
    const result = await execute((context) => body(context, ...values), explore ? schedule : null, {
      ...(options.clockStart === undefined ? {} : { clockStart: options.clockStart }),
      check: (verdict) => verdict !== false || "the operation returned false",
    });
    if (!result.failed) return;
    if (result.error !== undefined) throw result.error;
    throw new Error(result.failure);
  });
}
