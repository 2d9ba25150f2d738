import { Cancelled, run, sleep, type Operation } from "@copse/core";
import { VirtualClock } from "@copse/testing";
import { moveOnAfter } from "@copse/timeout";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  closedPort,
  readGreeting,
  startGreetingServer,
  type GreetingServer,
} from "../src/greeting-server.js";
import {
  AllAttemptsFailedError,
  openConnection,
  staggeredRace,
  type AttemptEvent,
} from "../src/happy-eyeballs.js";

interface FakeAttempt {
  /** ms from its start until it succeeds or fails */
  readonly ms: number;
  readonly fails: boolean;
}

/** Fake attempts on a virtual clock, with a log of what happened when. */
function fakeRace(clock: VirtualClock, specs: readonly FakeAttempt[]) {
  const log: string[] = [];
  const starts: number[] = [];
  const errors = specs.map((_, i) => new Error(`attempt ${i} refused`));
  const attempts = specs.map((spec, i) => {
    return function* (): Operation<string> {
      starts.push(clock.now());
      try {
        if (spec.ms > 0) yield* sleep(spec.ms);
        if (spec.fails) throw errors[i];
        return `connection ${i}`;
      } catch (error) {
        if (error instanceof Cancelled) log.push(`${clock.now()}: attempt ${i} cancelled`);
        throw error;
      }
    };
  });
  const events: AttemptEvent[] = [];
  return { attempts, log, starts, errors, events, onEvent: (e: AttemptEvent) => events.push(e) };
}

describe("staggeredRace on a virtual clock", () => {
  test("attempts start 250 ms apart; the first to connect wins and the others are cancelled", async () => {
    const clock = new VirtualClock();
    const race = fakeRace(clock, [
      { ms: 2_000, fails: false },
      { ms: 2_000, fails: false },
      { ms: 100, fails: false },
    ]);
    const winner = await run(
      () => staggeredRace(race.attempts, { delay: 250, onEvent: race.onEvent }),
      {
        clock,
      },
    );
    expect(race.starts).toEqual([0, 250, 500]);
    expect(winner).toEqual({ value: "connection 2", attempt: 2 });
    expect(clock.now()).toBe(600);
    expect(race.log).toEqual(["600: attempt 0 cancelled", "600: attempt 1 cancelled"]);
    expect(race.events).toEqual([
      { kind: "start", attempt: 0, because: "first" },
      { kind: "start", attempt: 1, because: "delay elapsed" },
      { kind: "start", attempt: 2, because: "delay elapsed" },
      { kind: "won", attempt: 2 },
      { kind: "cancelled", attempt: 0 },
      { kind: "cancelled", attempt: 1 },
    ]);
  });

  test("a failure starts the next attempt at once; later attempts are never started", async () => {
    const clock = new VirtualClock();
    const race = fakeRace(clock, [
      { ms: 100, fails: true },
      { ms: 0, fails: true }, // fails in its eager first step
      { ms: 30, fails: false },
      { ms: 10, fails: false },
    ]);
    const winner = await run(() => staggeredRace(race.attempts, { onEvent: race.onEvent }), {
      clock,
    });
    expect(race.starts).toEqual([0, 100, 100]);
    expect(winner).toEqual({ value: "connection 2", attempt: 2 });
    expect(clock.now()).toBe(130);
    expect(race.events.filter((e) => e.kind === "start")).toEqual([
      { kind: "start", attempt: 0, because: "first" },
      { kind: "start", attempt: 1, because: "previous failed" },
      { kind: "start", attempt: 2, because: "previous failed" },
    ]);
  });

  test("delay Infinity: one attempt at a time, the next only after a failure", async () => {
    const clock = new VirtualClock();
    const race = fakeRace(clock, [
      { ms: 5_000, fails: true },
      { ms: 10, fails: false },
      { ms: 10, fails: false },
    ]);
    const winner = await run(() => staggeredRace(race.attempts, { delay: Infinity }), { clock });
    expect(race.starts).toEqual([0, 5_000]);
    expect(winner).toEqual({ value: "connection 1", attempt: 1 });
  });

  test("an attempt that succeeds without suspending wins inside run: nothing else starts", () => {
    const clock = new VirtualClock();
    const race = fakeRace(clock, [
      { ms: 0, fails: false },
      { ms: 10, fails: false },
    ]);
    const task = run(() => staggeredRace(race.attempts), { clock });
    expect(task.outcome).toEqual({ status: "ok", value: { value: "connection 0", attempt: 0 } });
    expect(race.starts).toEqual([0]);
  });

  test("when every attempt fails, the error holds every failure in attempt order", async () => {
    const clock = new VirtualClock();
    const race = fakeRace(clock, [
      { ms: 900, fails: true },
      { ms: 50, fails: true }, // fails first, at 300
      { ms: 400, fails: true },
    ]);
    const task = run(() => staggeredRace(race.attempts), { clock });
    const error = await Promise.resolve(task).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AllAttemptsFailedError);
    expect((error as AllAttemptsFailedError).message).toBe("all 3 attempts failed");
    expect((error as AllAttemptsFailedError).errors).toEqual(race.errors);
    expect((error as AllAttemptsFailedError).errors[0]).toBe(race.errors[0]);
    expect(race.starts).toEqual([0, 250, 300]);
    expect(clock.now()).toBe(900);
  });

  test("cancelled from outside: every attempt is cancelled and Cancelled comes out", async () => {
    const clock = new VirtualClock();
    const race = fakeRace(clock, [
      { ms: 1_000, fails: false },
      { ms: 1_000, fails: false },
    ]);
    const result = await run(() => moveOnAfter(300, () => staggeredRace(race.attempts)), { clock });
    expect(result).toBeUndefined();
    expect(race.log).toEqual(["300: attempt 0 cancelled", "300: attempt 1 cancelled"]);
  });

  test("bad input is a RangeError that says what to pass", () => {
    const one = [() => sleep(1)];
    expect(() => staggeredRace([])).toThrow(
      new RangeError(
        "staggeredRace needs at least one attempt (a function returning an operation)",
      ),
    );
    for (const delay of [-1, Number.NaN]) {
      expect(() => staggeredRace(one, { delay })).toThrow(
        new RangeError(
          `staggeredRace: delay must be a number of ms, 0 or more (Infinity: one attempt at a time), got ${delay}`,
        ),
      );
    }
    expect(() => openConnection([{ host: "127.0.0.1", port: 1 }], { delay: -5 })).toThrow(
      new RangeError(
        "openConnection: delay must be a number of ms, 0 or more (Infinity: one attempt at a time), got -5",
      ),
    );
    expect(() => openConnection([])).toThrow(
      new RangeError("openConnection needs at least one target ({ host, port })"),
    );
  });

  test("property: start times, winner and end time follow the Happy Eyeballs schedule", () => {
    const attempt = fc.record({ ms: fc.integer({ min: 0, max: 1_000 }), fails: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(attempt, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 500 }),
        (specs, delay) => {
          const expected = schedule(specs, delay);
          fc.pre(expected !== "tie");
          const clock = new VirtualClock();
          const race = fakeRace(clock, specs);
          const task = run(() => staggeredRace(race.attempts, { delay }), { clock });
          expect(task.done).toBe(true); // only sleeps: runs to the end inside run()
          expect(race.starts).toEqual(expected.starts);
          expect(clock.now()).toBe(expected.end);
          if (expected.winner === undefined) {
            expect(task.outcome?.status).toBe("error");
            const error = (task.outcome as { error: AllAttemptsFailedError }).error;
            expect(error.errors).toEqual(race.errors);
          } else {
            expect(task.outcome).toEqual({
              status: "ok",
              value: { value: `connection ${expected.winner}`, attempt: expected.winner },
            });
          }
        },
      ),
    );
  });
});

/** The schedule by hand: when each attempt starts, who wins, when it ends ("tie": two events at one instant). */
function schedule(specs: readonly FakeAttempt[], delay: number) {
  const starts: number[] = [];
  const firstWin = (): { at: number; index: number } | "tie" | undefined => {
    let best: { at: number; index: number } | undefined;
    let tie = false;
    starts.forEach((start, i) => {
      if (specs[i]!.fails) return;
      const at = start + specs[i]!.ms;
      if (best === undefined || at < best.at) [best, tie] = [{ at, index: i }, false];
      else if (at === best.at) tie = true;
    });
    return tie ? "tie" : best;
  };
  let t = 0;
  for (let i = 0; i < specs.length; i++) {
    starts.push(t);
    const win = firstWin();
    if (win === "tie") return "tie";
    const spec = specs[i]!;
    const next = spec.fails ? Math.min(t + delay, t + spec.ms) : t + delay;
    if (win !== undefined && win.at <= next) {
      if (win.at === next && i < specs.length - 1) return "tie";
      return { starts, winner: win.index, end: win.at };
    }
    t = next;
  }
  const win = firstWin();
  if (win === "tie") return "tie";
  if (win !== undefined) return { starts, winner: win.index, end: win.at };
  return { starts, winner: undefined, end: Math.max(...starts.map((s, i) => s + specs[i]!.ms)) };
}

/** Waits until no connection to `server` is open, failing with a clear message if one stays open. */
async function closed(server: GreetingServer): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${server.name}: ${server.open} connection(s) still open after 10 s`)),
      10_000,
    );
  });
  await Promise.race([server.allClosed(), stuck]).finally(() => clearTimeout(timer));
}

describe("openConnection over TCP on 127.0.0.1", () => {
  const host = "127.0.0.1";

  test("a refused port makes the next target start at once, and it wins", async () => {
    const refused = await closedPort();
    const server = await startGreetingServer("up", 0);
    try {
      const events: AttemptEvent[] = [];
      const connection = await run(() =>
        openConnection(
          [
            { host, port: refused },
            { host, port: server.port },
          ],
          { delay: 60_000, onEvent: (e) => events.push(e) },
        ),
      );
      expect(connection.attempt).toBe(1);
      expect(connection.target).toEqual({ host, port: server.port });
      expect(
        events.map((e) =>
          e.kind === "start" ? `start ${e.attempt}: ${e.because}` : `${e.kind} ${e.attempt}`,
        ),
      ).toEqual(["start 0: first", "failed 0", "start 1: previous failed", "won 1"]);
      expect((events[1] as { error: NodeJS.ErrnoException }).error.code).toBe("ECONNREFUSED");
      connection.socket.destroy();
    } finally {
      await server.close();
    }
  });

  test("a slow server is overtaken after the delay; its socket is closed when the fast one wins", async () => {
    const slow = await startGreetingServer("slow", 60_000);
    const fast = await startGreetingServer("fast", 5);
    try {
      const events: AttemptEvent[] = [];
      const connection = await run(() =>
        openConnection(
          [
            { host, port: slow.port },
            { host, port: fast.port },
          ],
          { delay: 50, ready: readGreeting, onEvent: (e) => events.push(e) },
        ),
      );
      expect(connection.attempt).toBe(1);
      expect(String(connection.socket.read())).toBe("hello from fast\n");
      expect(events.filter((e) => e.kind !== "failed")).toEqual([
        { kind: "start", attempt: 0, because: "first" },
        { kind: "start", attempt: 1, because: "delay elapsed" },
        { kind: "won", attempt: 1 },
        { kind: "cancelled", attempt: 0 },
      ]);
      await closed(slow); // the loser's connection is closed
      expect(slow.accepted).toBe(1);
      expect(fast.open).toBe(1); // the winner's, still open
      connection.socket.destroy();
      await closed(fast);
    } finally {
      await Promise.all([slow.close(), fast.close()]);
    }
  });

  test("with delay 0 both attempts race; whichever loses, its socket is closed", async () => {
    const a = await startGreetingServer("a", 0);
    const b = await startGreetingServer("b", 0);
    try {
      const connection = await run(() =>
        openConnection(
          [
            { host, port: a.port },
            { host, port: b.port },
          ],
          { delay: 0 },
        ),
      );
      const loser = connection.attempt === 0 ? b : a;
      await closed(loser);
      expect(loser.open).toBe(0);
      expect(connection.socket.destroyed).toBe(false);
      connection.socket.destroy();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("every target refusing: one error naming them all, holding each failure", async () => {
    const ports = [await closedPort(), await closedPort()];
    const error = await Promise.resolve(
      run(() => openConnection(ports.map((port) => ({ host, port })))),
    ).then(
      () => undefined,
      (e: unknown) => e as AllAttemptsFailedError,
    );
    expect(error).toBeInstanceOf(AllAttemptsFailedError);
    expect(error!.message).toBe(
      `all 2 attempts to connect to 127.0.0.1:${ports[0]}, 127.0.0.1:${ports[1]} failed`,
    );
    expect(error!.errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual([
      "ECONNREFUSED",
      "ECONNREFUSED",
    ]);
    expect(error!.errors.map((e) => (e as { port?: number }).port)).toEqual(ports);
  });

  test("cancelled from outside while servers are slow: every socket is closed", async () => {
    const one = await startGreetingServer("one", 60_000);
    const two = await startGreetingServer("two", 60_000);
    try {
      const result = await run(() =>
        moveOnAfter(300, () =>
          openConnection(
            [
              { host, port: one.port },
              { host, port: two.port },
            ],
            { delay: 50, ready: readGreeting },
          ),
        ),
      );
      expect(result).toBeUndefined();
      await Promise.all([closed(one), closed(two)]);
      expect([one.accepted, two.accepted]).toEqual([1, 1]);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
