// Happy Eyeballs (RFC 8305), after Trio's open_tcp_stream: connection
// attempts start one after another, `delay` ms apart or as soon as the
// previous one failed; the first to connect wins and every other attempt is
// cancelled and its socket closed.
import { connect, type Socket } from "node:net";
import { Cancelled, Event, call, nursery, type Nursery, type Operation } from "@copse/core";
import { moveOnAfter } from "@copse/timeout";

/** The delay between attempts that RFC 8305 recommends, and Trio's default. */
export const DEFAULT_DELAY_MS = 250;

/** What happened to one attempt, for logs and tests. Attempts count from 0. */
export type AttemptEvent =
  | {
      readonly kind: "start";
      readonly attempt: number;
      /** Why it started now: it is the first, the previous one failed, or `delay` ran out. */
      readonly because: "first" | "previous failed" | "delay elapsed";
    }
  | { readonly kind: "failed"; readonly attempt: number; readonly error: unknown }
  | { readonly kind: "won"; readonly attempt: number }
  | { readonly kind: "cancelled"; readonly attempt: number };

/** Options of {@link staggeredRace}. */
export interface StaggerOptions {
  /** How long an attempt may run before the next one starts beside it, in ms (default 250). */
  readonly delay?: number;
  /** Told about every start, failure, win and cancellation, as it happens. */
  readonly onEvent?: (event: AttemptEvent) => void;
}

/** The winner of {@link staggeredRace}. */
export interface RaceWinner<T> {
  readonly value: T;
  /** Its index in the attempts. */
  readonly attempt: number;
}

/** Every attempt failed: `errors[i]` is why attempt `i` failed. */
export class AllAttemptsFailedError extends AggregateError {
  constructor(errors: readonly unknown[], message = `all ${errors.length} attempts failed`) {
    super(errors, message);
    this.name = "AllAttemptsFailedError";
  }
}

/** What the attempts of one race share. */
interface Race<T> {
  readonly attempts: readonly (() => Operation<T>)[];
  readonly errors: unknown[];
  readonly onEvent: (event: AttemptEvent) => void;
  winner: RaceWinner<T> | undefined;
  nursery: Nursery | undefined;
}

function* runAttempt<T>(race: Race<T>, index: number, failed: Event): Operation<void> {
  try {
    const value = yield* race.attempts[index]!();
    // Two attempts can succeed in the same turn; the first one to get here
    // wins, and the other's value is dropped (see openConnection for closing it).
    if (race.winner !== undefined) return;
    race.winner = { value, attempt: index };
    race.onEvent({ kind: "won", attempt: index });
    race.nursery!.cancel();
  } catch (error) {
    if (error instanceof Cancelled) {
      race.onEvent({ kind: "cancelled", attempt: index });
      throw error;
    }
    race.errors[index] = error;
    race.onEvent({ kind: "failed", attempt: index, error });
    failed.set();
  }
}

function checkDelay(delay: unknown, what: string): number {
  if (typeof delay !== "number" || Number.isNaN(delay) || delay < 0) {
    throw new RangeError(
      `${what}: delay must be a number of ms, 0 or more (Infinity: one attempt at a time), got ${String(delay)}`,
    );
  }
  return delay;
}

/**
 * Runs `attempts` staggered, Happy Eyeballs style: attempt 0 starts at
 * once; attempt `i + 1` starts when attempt `i` has failed or `delay` ms
 * after it started, whichever comes first. The first attempt to return
 * wins: every other attempt still running is cancelled, and the winner's
 * value and index are returned. If every attempt fails, throws
 * {@link AllAttemptsFailedError} holding every failure, in attempt order;
 * an attempt's failure is not an error of the race as long as another may
 * still win.
 *
 * Suspends until an attempt wins or all have failed. Each attempt runs as
 * a task started eagerly (`startTask`): its first step runs before the
 * next attempt is considered, so an attempt that fails at once lets the
 * next one start in the same turn. Cancelled from outside, every attempt
 * is cancelled and `Cancelled` propagates. A value of an attempt that
 * succeeded in the same turn as the winner is dropped: attempts that open
 * resources should let the caller track and close them (as
 * {@link openConnection} does). Throws `RangeError` at the call for an
 * empty list or a negative or `NaN` delay.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { run, sleep } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 * import { staggeredRace } from "@copse/examples/happy-eyeballs";
 *
 * const clock = new VirtualClock();
 * const started: number[] = [];
 * function* attempt(ms: number, fails: boolean) {
 *   started.push(clock.now());
 *   yield* sleep(ms);
 *   if (fails) throw new Error("refused");
 *   return ms;
 * }
 * const winner = await run(
 *   () =>
 *     staggeredRace(
 *       [() => attempt(1_000, false), () => attempt(100, true), () => attempt(50, false)],
 *       { delay: 250 },
 *     ),
 *   { clock },
 * );
 * // 0: slow; 250: fails at 350, so the third starts then and wins at 400.
 * assert.deepEqual(started, [0, 250, 350]);
 * assert.deepEqual(winner, { value: 50, attempt: 2 });
 * assert.equal(clock.now(), 400);
 * ```
 */
export function staggeredRace<T>(
  attempts: readonly (() => Operation<T>)[],
  options: StaggerOptions = {},
): Operation<RaceWinner<T>> {
  if (!Array.isArray(attempts) || attempts.length === 0) {
    throw new RangeError(
      "staggeredRace needs at least one attempt (a function returning an operation)",
    );
  }
  const delay = checkDelay(options.delay ?? DEFAULT_DELAY_MS, "staggeredRace");
  return runRace<T>(
    {
      attempts,
      errors: new Array<unknown>(attempts.length),
      onEvent: options.onEvent ?? (() => {}),
      winner: undefined,
      nursery: undefined,
    },
    delay,
  );
}

function* runRace<T>(race: Race<T>, delay: number): Operation<RaceWinner<T>> {
  const attempts = race.attempts;
  yield* nursery(function* (n) {
    race.nursery = n;
    let because: "first" | "previous failed" | "delay elapsed" = "first";
    for (let i = 0; i < attempts.length && race.winner === undefined; i++) {
      // Set when this attempt fails: the next one starts then, or after `delay`.
      const failed = new Event();
      race.onEvent({ kind: "start", attempt: i, because });
      n.startTask(() => runAttempt(race, i, failed), { name: `attempt ${i}` });
      yield* moveOnAfter(delay, () => failed.wait());
      because = failed.isSet ? "previous failed" : "delay elapsed";
    }
  });
  if (race.winner === undefined) throw new AllAttemptsFailedError(race.errors);
  return race.winner;
}

/** Where to connect. */
export interface Target {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link openConnection}. */
export interface OpenConnectionOptions extends StaggerOptions {
  /**
   * What makes an attempt successful once TCP has connected, e.g. a
   * protocol greeting or a TLS handshake (default: nothing more). The
   * attempt is still racing while it runs, and is cancelled if another wins.
   */
  readonly ready?: (socket: Socket) => Operation<void>;
}

/** The connection {@link openConnection} opened. */
export interface Connection {
  readonly socket: Socket;
  readonly target: Target;
  /** The index of `target` in the targets. */
  readonly attempt: number;
}

function formatTarget(target: Target): string {
  return target.host.includes(":")
    ? `[${target.host}]:${target.port}`
    : `${target.host}:${target.port}`;
}

/**
 * One attempt: a TCP connect (aborted on cancellation), then `ready`. A
 * socket error after the connect, before the socket is handed over, fails
 * the attempt (it is never an unhandled "error" event).
 */
function* connectTo(
  target: Target,
  opened: Set<Socket>,
  ready: ((socket: Socket) => Operation<void>) | undefined,
): Operation<Socket> {
  let late: { error: unknown } | undefined;
  const onLateError = (error: unknown): void => {
    late ??= { error };
  };
  const socket = yield* call(
    (signal) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: target.host, port: target.port });
        opened.add(socket);
        socket.once("error", reject);
        socket.once("connect", () => {
          socket.off("error", reject);
          socket.on("error", onLateError);
          resolve(socket);
        });
        signal.addEventListener("abort", () => socket.destroy(), { once: true });
      }),
  );
  if (ready !== undefined) yield* ready(socket);
  if (late !== undefined) throw late.error;
  socket.off("error", onLateError);
  return socket;
}

/**
 * Connects to the first of `targets` that answers, Happy Eyeballs style
 * (see {@link staggeredRace}): attempt `i + 1` starts when attempt `i`
 * failed or `delay` ms (default 250) after it started; the first attempt
 * whose TCP connect (and `ready`, if given) succeeds wins. Every other
 * socket is closed before this returns — the ones cancelled mid-connect
 * and any that connected in the same turn as the winner. Semantics after
 * Trio's `open_tcp_stream`.
 *
 * Suspends until a connection wins or every attempt has failed; then
 * throws {@link AllAttemptsFailedError} whose `errors[i]` is the failure of
 * `targets[i]` (e.g. `ECONNREFUSED`). Cancelled, it closes every socket and
 * `Cancelled` propagates. The returned socket is the caller's to close.
 * Throws `RangeError` at the call for no targets or a bad delay.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:net";
 * import { run } from "@copse/core";
 * import { openConnection } from "@copse/examples/happy-eyeballs";
 *
 * const server = createServer((socket) => socket.end());
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const port = (server.address() as { port: number }).port;
 * // Port 1 refuses, so the second target is tried at once rather than after 250 ms.
 * const connection = await run(() =>
 *   openConnection([
 *     { host: "127.0.0.1", port: 1 },
 *     { host: "127.0.0.1", port },
 *   ]),
 * );
 * assert.equal(connection.attempt, 1);
 * connection.socket.destroy();
 * server.close();
 * ```
 */
export function openConnection(
  targets: readonly Target[],
  options: OpenConnectionOptions = {},
): Operation<Connection> {
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new RangeError("openConnection needs at least one target ({ host, port })");
  }
  checkDelay(options.delay ?? DEFAULT_DELAY_MS, "openConnection");
  return connectFirst(targets, options);
}

function* connectFirst(
  targets: readonly Target[],
  options: OpenConnectionOptions,
): Operation<Connection> {
  const opened = new Set<Socket>();
  try {
    let winner: RaceWinner<Socket>;
    try {
      winner = yield* staggeredRace(
        targets.map((target) => () => connectTo(target, opened, options.ready)),
        options,
      );
    } catch (error) {
      if (!(error instanceof AllAttemptsFailedError)) throw error;
      const names = targets.map(formatTarget).join(", ");
      throw new AllAttemptsFailedError(
        error.errors,
        `all ${targets.length} attempts to connect to ${names} failed`,
      );
    }
    opened.delete(winner.value);
    return { socket: winner.value, target: targets[winner.attempt]!, attempt: winner.attempt };
  } finally {
    for (const socket of opened) socket.destroy();
  }
}
