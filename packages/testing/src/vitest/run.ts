import type { Operation } from "@copse/core";
import fc from "fast-check";
import { test } from "vitest";
import { describe } from "../schedule/control.js";
import {
  operationProperty,
  type OperationPredicate,
  type OperationPropertyOptions,
} from "../schedule/property.js";
import { execute, type ScheduleContext } from "../schedule/run.js";
import { decodeSchedule, type Schedule } from "../schedule/schedule.js";

/** What a test body run by {@link copseTest} or {@link runOperation} receives. */
export type CopseTestContext = ScheduleContext;

/** Options of {@link runOperation} and {@link copseTest}. */
export interface RunOperationOptions {
  /** The time the test's VirtualClock starts at (default 0). */
  clockStart?: number;
  /** Run under this schedule (a {@link Schedule} or a replay token) instead of FIFO. */
  schedule?: Schedule | string;
}

/**
 * Turns an operation into a test function: each call runs `body` on a
 * fresh `VirtualClock` (autojump on), so sleeps and timeouts take no
 * wall time — scheduled exactly as `run` schedules it, or under
 * `options.schedule` (a replay token from a schedule exploration) — and fails with the operation's own error, or with a clear
 * message when it was cancelled or never finished (a deadlock fails at
 * once instead of timing out). Use it with any `test`/`it`.
 *
 * ```ts fragment
 * import { sleep } from "@copse/core";
 * import { runOperation } from "@copse/testing/vitest";
 * import { expect, it } from "vitest";
 *
 * it("sleeps in virtual time", runOperation(function* ({ clock }) {
 *   yield* sleep(60_000);
 *   expect(clock.now()).toBe(60_000);
 * }));
 * ```
 */
export function runOperation(
  body: (context: CopseTestContext) => Operation<unknown>,
  options: RunOperationOptions = {},
): () => Promise<void> {
  if (typeof body !== "function") {
    throw new TypeError(
      `runOperation expects a function that returns an operation, got ${describe(body)}`,
    );
  }
  const schedule =
    options.schedule === undefined
      ? null
      : typeof options.schedule === "string"
        ? decodeSchedule(options.schedule)
        : options.schedule;
  return async () => {
    const result = await execute(body, schedule, {
      ...(options.clockStart === undefined ? {} : { clockStart: options.clockStart }),
    });
    if (!result.failed) return;
    if (result.outcome?.status === "error") throw result.outcome.error;
    throw new Error(`${result.failure} (virtual time ${result.time} ms)`);
  };
}

/** Options of {@link copseTest}: those of {@link runOperation}, plus vitest's timeout. */
export interface CopseTestOptions extends RunOperationOptions {
  /** vitest's per-test timeout, in wall-clock ms. */
  timeout?: number;
}

/**
 * Registers a vitest test whose body is an operation, run on a fresh
 * `VirtualClock` by {@link runOperation}.
 *
 * ```ts fragment
 * import { sleep } from "@copse/core";
 * import { copseTest } from "@copse/testing/vitest";
 * import { expect } from "vitest";
 *
 * copseTest("a minute passes in no time", function* ({ clock }) {
 *   yield* sleep(60_000);
 *   expect(clock.now()).toBe(60_000);
 * });
 * ```
 */
export function copseTest(
  name: string,
  body: (context: CopseTestContext) => Operation<unknown>,
  options: CopseTestOptions = {},
): void {
  const { timeout, ...runOptions } = options;
  test(name, runOperation(body, runOptions), timeout);
}

/**
 * Registers a vitest test that checks an {@link operationProperty}: for
 * each generated input, `body(context, ...values)` runs on a fresh
 * VirtualClock and must not throw or return `false`. Runs with
 * `fc.assert`, so it uses fast-check's global settings (seed, `numRuns`)
 * unless `parameters` override them, and on failure prints the seed, the
 * path and the shrunk input (and, with `schedules`, the schedule as a
 * replay token).
 *
 * ```ts fragment
 * import { sleep } from "@copse/core";
 * import { copseProperty } from "@copse/testing/vitest";
 * import fc from "fast-check";
 *
 * copseProperty("sleeps add up", [fc.nat(100), fc.nat(100)], function* ({ clock }, a, b) {
 *   yield* sleep(a);
 *   yield* sleep(b);
 *   return clock.now() === a + b;
 * });
 * ```
 */
export function copseProperty<Ts extends [unknown, ...unknown[]]>(
  name: string,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  body: OperationPredicate<Ts>,
  options: OperationPropertyOptions & {
    parameters?: fc.Parameters<[Ts, Schedule]>;
    timeout?: number;
  } = {},
): void {
  const { parameters, timeout, ...propertyOptions } = options;
  test(
    name,
    async () => {
      await fc.assert(operationProperty(arbitraries, body, propertyOptions), parameters);
    },
    timeout,
  );
}
