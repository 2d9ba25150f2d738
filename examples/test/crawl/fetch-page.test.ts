// The fetch worker on a virtual clock, with a fake network: timeouts,
// retries and backoff at exact times, and cancellation that goes through.
import { Cancelled, nursery, run, sleep } from "@copse/core";
import { VirtualClock, checkCancellationSafety } from "@copse/testing";
import { moveOnAfter } from "@copse/timeout";
import { describe, expect, test } from "vitest";
import { fetchPage, type FetchPolicy } from "../../src/crawl/fetch-page.js";
import { NetworkError, type HttpAnswer, type HttpGet } from "../../src/crawl/http.js";

const URL = "http://127.0.0.1/pages/7";
const POLICY: FetchPolicy = { timeout: 250, retries: 2, backoff: 50 };

/** A fake network that answers attempt n with `answers[n - 1]` at once ("hang": never, until aborted). */
function fakeNetwork(clock: VirtualClock, answers: readonly (number | "hang" | "reset")[]) {
  const calls: { attempt: number; at: number; signal: AbortSignal }[] = [];
  const get: HttpGet = (_url, attempt, signal) => {
    calls.push({ attempt, at: clock.now(), signal });
    const answer = answers[attempt - 1]!;
    if (answer === "hang") {
      return new Promise<HttpAnswer>((_resolve, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    }
    if (answer === "reset") return Promise.reject(new NetworkError(_url, new Error("ECONNRESET")));
    return Promise.resolve({ status: answer, body: `body ${attempt}` });
  };
  return { get, calls };
}

describe("fetchPage", () => {
  test("retries 503s after 50 ms, then 100 ms, and returns the page", async () => {
    const clock = new VirtualClock();
    const net = fakeNetwork(clock, [503, 503, 200]);
    const result = await run(() => fetchPage(URL, POLICY, net.get), { clock });
    expect(result).toEqual({ kind: "done", body: "body 3", failures: ["HTTP 503", "HTTP 503"] });
    expect(net.calls.map((c) => c.at)).toEqual([0, 50, 150]);
  });

  test("a request that hangs times out at 250 ms: its signal aborts and the next attempt follows the backoff", () => {
    const clock = new VirtualClock({ autojump: false }); // a pending request holds autojump back
    const net = fakeNetwork(clock, ["hang", "hang", "hang"]);
    const task = run(() => fetchPage(URL, POLICY, net.get), { clock });
    clock.advance(249);
    expect(net.calls.map((c) => c.signal.aborted)).toEqual([false]);
    clock.advance(1);
    expect(net.calls[0]!.signal.aborted).toBe(true);
    clock.advance(2_000);
    expect(net.calls.map((c) => c.at)).toEqual([0, 300, 650]); // 250 + 50, 550 + 100
    expect(net.calls.every((c) => c.signal.aborted)).toBe(true);
    expect(task.outcome).toEqual({
      status: "ok",
      value: { kind: "timedOut", failures: ["timeout", "timeout", "timeout"] },
    });
  });

  test("a 404 is final; a network error is retried; the last failure decides failed or timedOut", async () => {
    const clock = new VirtualClock();
    const missing = fakeNetwork(clock, [404, 200]);
    expect(await run(() => fetchPage(URL, POLICY, missing.get), { clock })).toEqual({
      kind: "failed",
      failures: ["HTTP 404"],
    });
    expect(missing.calls).toHaveLength(1);
    const flaky = fakeNetwork(clock, ["reset", 503, "reset"]);
    expect(await run(() => fetchPage(URL, POLICY, flaky.get), { clock })).toEqual({
      kind: "failed",
      failures: ["network", "HTTP 503", "network"],
    });
    const once = fakeNetwork(clock, [503]);
    expect(await run(() => fetchPage(URL, { ...POLICY, retries: 0 }, once.get), { clock })).toEqual(
      {
        kind: "failed",
        failures: ["HTTP 503"],
      },
    );
  });

  test("cancelled during a backoff sleep: it ends at once, with Cancelled, and sends nothing more", async () => {
    const clock = new VirtualClock();
    const net = fakeNetwork(clock, [503, 200]);
    let ended = -1;
    const task = run(
      function* () {
        return yield* moveOnAfter(20, function* () {
          try {
            return yield* fetchPage(URL, { ...POLICY, backoff: 1_000 }, net.get);
          } catch (error) {
            ended = clock.now();
            expect(error).toBeInstanceOf(Cancelled);
            throw error;
          }
        });
      },
      { clock },
    );
    expect(await task).toBeUndefined();
    expect(ended).toBe(20);
    expect(net.calls).toHaveLength(1);
  });

  test("cancelled while a request is in flight: the request's signal aborts and Cancelled comes out", () => {
    const clock = new VirtualClock({ autojump: false });
    const net = fakeNetwork(clock, ["hang"]);
    const task = run(
      () =>
        nursery(function* (n) {
          const fetching = n.startTask(() => fetchPage(URL, POLICY, net.get));
          yield* sleep(100);
          fetching.cancel();
        }),
      { clock },
    );
    const fetching = () => net.calls[0]!;
    clock.advance(100);
    expect(fetching().signal.aborted).toBe(true);
    expect(fetching().signal.reason).toBeInstanceOf(Cancelled);
    expect(task.outcome).toEqual({ status: "ok", value: undefined });
  });

  test("an error that is not a network failure (a bug) propagates instead of being retried", async () => {
    const clock = new VirtualClock();
    const bug = new TypeError("cannot read body");
    let calls = 0;
    const get: HttpGet = () => {
      calls++;
      return Promise.reject(bug);
    };
    await expect(run(() => fetchPage(URL, POLICY, get), { clock })).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  test("the cancellation-safety kit: every request ends, Cancelled is never swallowed, cancel is prompt", async () => {
    const report = await checkCancellationSafety(function fetchWithRetries(kit) {
      // 503, 503, then 200; a request is "held" until it is answered or aborted.
      const get: HttpGet = (_url, attempt, signal) => {
        const request = { attempt };
        kit.acquired(request);
        let over = false;
        const end = () => {
          if (!over) kit.released(request);
          over = true;
        };
        signal.addEventListener("abort", end);
        return Promise.resolve({ status: attempt < 3 ? 503 : 200, body: "" }).finally(end);
      };
      return () => fetchPage(URL, POLICY, get);
    });
    expect(report.ok, report.text).toBe(true);
    expect(report.baselines[0]!.duration).toBe(150);
  });
});
