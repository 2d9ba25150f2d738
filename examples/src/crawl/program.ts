// The whole program as one copse run: start the server, crawl it under a
// deadline while the progress display runs beside it, close the server
// whatever happened, and report.
import { CancelScope, call, nursery, run, type Operation } from "@copse/core";
import { moveOnAfter } from "@copse/timeout";
import { PageCache } from "./cache.js";
import { crawl } from "./crawl.js";
import { fetchGet, type HttpGet } from "./http.js";
import type { CrawlOptions } from "./options.js";
import { showProgress, type ProgressOutput } from "./progress.js";
import { startServer } from "./server.js";
import type { CrawlReport } from "./summary.js";
import { Tally } from "./tally.js";

/** How long closing the server waits for connections that still carry a request. */
const CLOSE_GRACE_MS = 1_000;

/** What the program talks to. */
export interface CrawlIo {
  /** Aborting it (Ctrl-C) cancels the crawl. */
  readonly signal?: AbortSignal;
  /** Where progress goes: process.stderr. */
  readonly progress: ProgressOutput;
  /** The HTTP client (default: global `fetch`). */
  readonly get?: HttpGet;
}

function* program(options: CrawlOptions, io: CrawlIo, report: CrawlReport): Operation<void> {
  // Shielded: a Ctrl-C during the start must not abandon a server that is
  // about to listen (nobody would close it). The next suspension, inside the
  // try below, sees the cancellation.
  const server = (yield* new CancelScope({ shield: true }).run(() =>
    call(() => startServer(options.seed)),
  ))!;
  const started = performance.now();
  try {
    report.origin = server.origin;
    const mode =
      options.progress === "auto"
        ? io.progress.isTTY === true
          ? "bar"
          : "lines"
        : options.progress;
    if (mode !== "off") {
      io.progress.write(
        `crawling ${options.count} URLs from ${server.origin}: at most ${options.limit} in flight, ` +
          `timeout ${options.timeout} ms, ${options.retries} retries, deadline ${options.deadline} ms\n`,
      );
    }
    yield* nursery(function* (n) {
      if (mode !== "off") {
        n.startSoon(() =>
          showProgress(report.tally, mode, io.progress, () => performance.now() - started),
        );
      }
      const finished = yield* moveOnAfter(options.deadline, function* () {
        yield* crawl({
          origin: server.origin,
          seed: options.seed,
          count: options.count,
          limit: options.limit,
          policy: options,
          get: report.tally.counting(io.get ?? fetchGet),
          cache: new PageCache(),
          tally: report.tally,
        });
        return true;
      });
      report.ending = finished === true ? "finished" : "deadline";
      n.cancel(); // stops the progress display
    });
  } finally {
    report.wallMs = performance.now() - started;
    // Cleanup that waits must be shielded: the run may be cancelled (Ctrl-C).
    const closed = yield* new CancelScope({ shield: true }).run(() =>
      call(() => server.close(CLOSE_GRACE_MS)),
    );
    report.server = { ...server.stats, cut: closed?.cut ?? 0 };
  }
}

/** TCP sockets and servers of this process, once the client has seen the server close (≤ 0.5 s). */
async function openSocketsAfterClose(): Promise<number> {
  const count = (): number =>
    process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap" || r === "TCPServerWrap")
      .length;
  for (let i = 0; i < 50 && count() > 0; i++) await new Promise((r) => setTimeout(r, 10));
  return count();
}

/**
 * Runs the crawl and resolves with its report, also when it was interrupted
 * through `io.signal` (then `ending` is `"interrupted"`): every request in
 * flight is aborted, the server is closed, and what had ended stays counted.
 * Rejects only on an unexpected error (a bug), after closing the server.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_OPTIONS } from "@copse/examples/crawl/options";
 * import { runCrawl } from "@copse/examples/crawl/program";
 *
 * const report = await runCrawl(
 *   { ...DEFAULT_OPTIONS, count: 200, progress: "off" },
 *   { progress: process.stderr },
 * );
 * const t = report.tally;
 * assert.equal(report.ending, "finished");
 * assert.equal(t.done + t.failed + t.timedOut, 200); // nothing was cancelled
 * assert.equal(t.eager, t.cached);
 * assert.equal(report.server?.cut, 0);
 * ```
 */
export async function runCrawl(options: CrawlOptions, io: CrawlIo): Promise<CrawlReport> {
  const report: CrawlReport = {
    ending: "interrupted",
    origin: "",
    limit: options.limit,
    deadline: options.deadline,
    tally: new Tally(options.count),
    wallMs: 0,
    server: undefined,
    openSockets: undefined,
  };
  const task = run(() => program(options, io, report), { signal: io.signal, name: "crawl" });
  await task.then(
    () => undefined,
    (error: unknown) => {
      if (task.outcome?.status !== "cancelled") throw error;
    },
  );
  report.openSockets = await openSocketsAfterClose();
  return report;
}
