// The whole crawl in this process, against the embedded server: what it
// counts must add up, match what the server's plan predicts, and shut down
// cleanly however the crawl ends.
import { describe, expect, test } from "vitest";
import { fetchGet, type HttpGet } from "../../src/crawl/http.js";
import { DEFAULT_OPTIONS, type CrawlOptions } from "../../src/crawl/options.js";
import { pageList, replyFor } from "../../src/crawl/plan.js";
import { runCrawl } from "../../src/crawl/program.js";
import { formatSummary, type CrawlReport } from "../../src/crawl/summary.js";

/** Slow answers take at most 120 ms: with a 1.5 s timeout only a hang times out. */
const OPTIONS: CrawlOptions = {
  ...DEFAULT_OPTIONS,
  count: 400,
  limit: 24,
  timeout: 1_500,
  backoff: 5,
  progress: "off",
};

/** How a page ends by the plan alone: the oracle the crawl is checked against. */
function predictedEnding(
  seed: number,
  page: number,
  retries: number,
): "done" | "failed" | "timedOut" {
  for (let attempt = 1; ; attempt++) {
    const reply = replyFor(seed, page, attempt);
    if (reply.kind === "ok" || reply.kind === "slow") return "done";
    if (reply.kind === "missing") return "failed";
    if (attempt > retries) return reply.kind === "hang" ? "timedOut" : "failed";
  }
}

function predicted(options: CrawlOptions) {
  const counts = { done: 0, failed: 0, timedOut: 0 };
  for (const page of pageList(options.seed, options.count)) {
    counts[predictedEnding(options.seed, page, options.retries)]++;
  }
  return counts;
}

const quiet = { write: () => true, isTTY: false };

function expectCleanShutdown(report: CrawlReport): void {
  const t = report.tally;
  expect(t.done + t.failed + t.timedOut + t.cancelled).toBe(t.total);
  expect(t.inFlight).toBe(0);
  expect(t.peakInFlight).toBeLessThanOrEqual(report.limit);
  expect(report.server!.cut).toBe(0);
  // Every request the server got was answered or dropped by the client: none is left open.
  expect(report.server!.answered + report.server!.abandoned).toBe(report.server!.requests);
  expect(report.openSockets).toBe(0);
}

describe("the crawl, in process", () => {
  test("a full run: every URL ends as the plan predicts; cache hits finish eagerly", async () => {
    const report = await runCrawl(OPTIONS, { progress: quiet });
    const t = report.tally;
    expect(report.ending).toBe("finished");
    expect({ done: t.done, failed: t.failed, timedOut: t.timedOut }).toEqual(predicted(OPTIONS));
    expect(t.cancelled).toBe(0);
    expect(t.cached).toBeGreaterThan(0);
    expect(t.eager).toBe(t.cached); // read from each hit's task: done when startTask returned
    expect(t.retried).toBeGreaterThan(0);
    expect(t.peakInFlight).toBe(OPTIONS.limit);
    // A cache hit sends no request; every other URL sends one per attempt.
    expect(t.requests).toBe(t.total - t.cached + t.retries);
    expectCleanShutdown(report);
    expect(formatSummary(report)).toMatch(
      new RegExp(
        `\n  cached \\(eager\\) +${t.cached}   all ${t.cached} finished inside startTask, without suspending\n`,
      ),
    );
  });

  test("the same seed, the same endings; another seed, another list", async () => {
    const other = { ...OPTIONS, seed: 2, count: 150 };
    const report = await runCrawl(other, { progress: quiet });
    const t = report.tally;
    expect({ done: t.done, failed: t.failed, timedOut: t.timedOut }).toEqual(predicted(other));
    expect([...pageList(2, 150)]).not.toEqual([...pageList(1, 150)]);
    expectCleanShutdown(report);
  });

  test("aborted mid-run (Ctrl-C): requests in flight are aborted, the server closes, the counts add up", async () => {
    const options = { ...OPTIONS, count: 2_000, timeout: 10_000 };
    // Hangs among the first pages guarantee requests in flight at the abort.
    const firstPages = [...pageList(options.seed, 100)];
    expect(firstPages.some((page) => replyFor(options.seed, page, 1).kind === "hang")).toBe(true);
    const controller = new AbortController();
    let sent = 0;
    const get: HttpGet = (url, attempt, signal) => {
      if (++sent === 150) setImmediate(() => controller.abort());
      return fetchGet(url, attempt, signal);
    };
    const report = await runCrawl(options, { progress: quiet, signal: controller.signal, get });
    const t = report.tally;
    expect(report.ending).toBe("interrupted");
    expect(t.cancelledInFlight).toBeGreaterThan(0);
    expect(t.cancelled).toBeGreaterThan(t.cancelledInFlight); // and most were never started
    expect(report.server!.abandoned).toBeGreaterThan(0);
    expectCleanShutdown(report);
    expect(formatSummary(report)).toMatch(
      new RegExp(
        `cancelled +${t.cancelled}   ${t.cancelledInFlight} in flight, ${t.cancelled - t.cancelledInFlight} never started`,
      ),
    );
  });

  test("aborted while the server is still starting: it is started, closed, and nothing is fetched", async () => {
    const controller = new AbortController();
    const running = runCrawl(OPTIONS, { progress: quiet, signal: controller.signal });
    controller.abort(); // run() has returned: the server is listening, or about to
    const report = await running;
    expect(report.ending).toBe("interrupted");
    expect(report.tally.cancelled).toBe(OPTIONS.count);
    expect(report.tally.requests).toBe(0);
    expect(report.server).toEqual({
      requests: 0,
      answered: 0,
      abandoned: 0,
      connections: 0,
      cut: 0,
    });
    expect(report.openSockets).toBe(0); // the server's listening socket too
  });

  test("the deadline moves on: what ended stays counted, the rest is cancelled", async () => {
    const options = { ...OPTIONS, count: 2_000, timeout: 10_000, deadline: 300 };
    const report = await runCrawl(options, { progress: quiet });
    const t = report.tally;
    expect(report.ending).toBe("deadline");
    expect(t.done).toBeGreaterThan(0);
    expect(t.cancelled).toBeGreaterThan(0);
    expect(t.timedOut).toBe(0); // no request reached its own 10 s timeout
    expectCleanShutdown(report);
    expect(formatSummary(report).split("\n")[0]).toBe(
      `crawl stopped at its deadline (300 ms): 2000 URLs from ${report.origin}`,
    );
  });
});
