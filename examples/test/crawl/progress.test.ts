import { run } from "@copse/core";
import { VirtualClock } from "@copse/testing";
import { moveOnAfter } from "@copse/timeout";
import { describe, expect, test } from "vitest";
import { DEFAULT_OPTIONS } from "../../src/crawl/options.js";
import { runCrawl } from "../../src/crawl/program.js";
import { progressBar, progressLine, showProgress } from "../../src/crawl/progress.js";
import { Tally } from "../../src/crawl/tally.js";

function capture(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, write: (text: string) => writes.push(text) } };
}

function someTally(): Tally {
  const tally = new Tally(200);
  tally.recordHit(true);
  tally.record({ kind: "done", body: "", failures: ["timeout"] });
  tally.record({ kind: "failed", failures: ["HTTP 404"] });
  tally.requests = 40;
  tally.inFlight = 7;
  return tally;
}

describe("progress display", () => {
  test("the bar and the plain line", () => {
    const tally = someTally();
    expect(progressBar(tally, 2_000)).toBe(
      "░░░░░░░░░░░░░░░░░░░░░░░░   1%  3/200  in flight 7  cached 1  retried 1  timed out 0  failed 1  20 req/s",
    );
    tally.done = 100;
    expect(progressBar(tally, 2_000).slice(0, 30)).toBe("████████████░░░░░░░░░░░░  50% ");
    expect(progressLine(tally, 2_000)).toBe(
      "progress: 101/200 URLs ended (50%), 7 requests in flight, 1 cached, 1 retried, 20 requests/s",
    );
  });

  test("bar mode redraws in place every 100 ms and erases itself when cancelled", async () => {
    const clock = new VirtualClock();
    const { writes, out } = capture(true);
    const task = run(
      () => moveOnAfter(350, () => showProgress(someTally(), "bar", out, () => clock.now())),
      {
        clock,
      },
    );
    expect(await task).toBeUndefined();
    expect(writes.map((w) => w.slice(0, 6))).toEqual([
      "\r\x1b[2K░",
      "\r\x1b[2K░",
      "\r\x1b[2K░",
      "\r\x1b[2K",
    ]);
    expect(writes[3]).toBe("\r\x1b[2K");
  });

  test("the bar is cut to the terminal's width, so that it never wraps", async () => {
    const clock = new VirtualClock();
    const { writes, out } = capture(true);
    const narrow = { ...out, columns: 40 };
    await run(() => moveOnAfter(150, () => showProgress(someTally(), "bar", narrow, () => 1)), {
      clock,
    });
    expect(writes[0]).toBe(`\r\x1b[2K${progressBar(someTally(), 1).slice(0, 39)}`);
    expect(writes[0]!.length).toBe(5 + 39);
  });

  test("lines mode writes a line every 500 ms and nothing more when cancelled", async () => {
    const clock = new VirtualClock();
    const { writes, out } = capture(false);
    await run(
      () => moveOnAfter(1_200, () => showProgress(someTally(), "lines", out, () => 1_000)),
      {
        clock,
      },
    );
    expect(writes).toEqual([
      "progress: 3/200 URLs ended (1%), 7 requests in flight, 1 cached, 1 retried, 40 requests/s\n",
      "progress: 3/200 URLs ended (1%), 7 requests in flight, 1 cached, 1 retried, 40 requests/s\n",
    ]);
  });

  test("--progress auto: the bar on a terminal, plain lines elsewhere", async () => {
    // Hanging requests keep the crawl busy until its deadline, past both intervals.
    const options = { ...DEFAULT_OPTIONS, count: 3_000, timeout: 10_000, deadline: 700 };
    for (const isTTY of [true, false]) {
      const { writes, out } = capture(isTTY);
      const report = await runCrawl(options, { progress: out });
      expect(report.ending).toBe("deadline");
      expect(writes[0]).toMatch(/^crawling 3000 URLs from http:\/\/127\.0\.0\.1:\d+:/);
      const rest = writes.slice(1);
      expect(rest.length).toBeGreaterThan(0);
      expect(rest.every((w) => w.startsWith(isTTY ? "\r\x1b[2K" : "progress: "))).toBe(true);
    }
  });
});
