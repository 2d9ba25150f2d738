import { nursery, run, type Operation, type Outcome, type Task } from "@copse/core";
import { VirtualClock } from "@copse/testing";
import { Effect } from "effect";

/** How a child is started: the two start paths that must behave the same. */
export type StartPath = "startSoon" | "startTask";
export const START_PATHS: readonly StartPath[] = ["startSoon", "startTask"];

/** Runs `body` on a fresh virtual clock and waits for its outcome (never throws). */
export async function outcomeOf<T>(
  body: (clock: VirtualClock) => Operation<T>,
): Promise<{ outcome: Outcome<T>; clock: VirtualClock; task: Task<T> }> {
  const clock = new VirtualClock();
  const task = run(() => body(clock), { clock });
  await task.then(
    () => undefined,
    () => undefined,
  );
  return { outcome: task.outcome!, clock, task };
}

/**
 * Runs `body` on the wall clock and waits for its outcome (never throws):
 * for tests where a fiber never ends, since a virtual clock does not jump
 * while a task waits for a fiber.
 */
export async function realOutcomeOf<T>(
  body: () => Operation<T>,
): Promise<{ outcome: Outcome<T>; task: Task<T> }> {
  const task = run(body);
  await task.then(
    () => undefined,
    () => undefined,
  );
  return { outcome: task.outcome!, task };
}

/** Starts `child` in a nursery by `path`, then runs `parent` with its task. */
export function* withChild<T>(
  path: StartPath,
  child: () => Operation<T>,
  parent: (task: Task<T>) => Operation<void>,
): Operation<void> {
  yield* nursery(function* (n) {
    const task = path === "startSoon" ? n.startSoon(child) : n.startTask(child);
    yield* parent(task);
  });
}

/** A finalizer that logs, waits `ms` real milliseconds on Effect's clock, and logs again. */
export function slowFinalizer(log: string[], name: string, ms = 5): Effect.Effect<void> {
  return Effect.gen(function* () {
    log.push(`${name} start`);
    yield* Effect.sleep(ms);
    log.push(`${name} end`);
  });
}

/** The error a finished task ended with. */
export function errorOf(outcome: Outcome<unknown>): unknown {
  if (outcome.status !== "error") {
    throw new Error(`expected an error outcome, got ${JSON.stringify(outcome)}`);
  }
  return outcome.error;
}

/** A real timer, as a promise (for tests that need wall time to pass). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A mark that a copse task sets when it runs, and an Effect that waits for
 * it: a forked fiber starts on a later tick, which a short timer may beat
 * on a loaded machine, so a test that interrupts a fiber waits for this
 * instead of sleeping.
 */
export function runningMark(): { mark: () => void; running: Effect.Effect<void> } {
  let mark!: () => void;
  const reached = new Promise<void>((resolve) => (mark = resolve));
  return { mark, running: Effect.promise(() => reached) };
}
