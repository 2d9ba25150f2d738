// The closing summary: a table for people, or one JSON object for scripts.
import type { CloseReport, ServerStats } from "./server.js";
import type { Tally } from "./tally.js";

/** How the crawl ended. */
export type Ending = "finished" | "deadline" | "interrupted";

/** Everything the summary shows. */
export interface CrawlReport {
  ending: Ending;
  /** The server's origin (empty if it never started). */
  origin: string;
  readonly limit: number;
  readonly deadline: number;
  readonly tally: Tally;
  /** Wall time of the crawl, server start and close excluded. */
  wallMs: number;
  /** The server's counts and what closing it found (once it is closed). */
  server: (Readonly<ServerStats> & CloseReport) | undefined;
  /** TCP sockets and servers of this process still open after the server closed. */
  openSockets: number | undefined;
}

function perSecond(count: number, ms: number): number {
  return ms > 0 ? Math.round((count * 1_000) / ms) : 0;
}

function seconds(ms: number): string {
  return `${(ms / 1_000).toFixed(2)} s`;
}

function breakdown(counts: ReadonlyMap<string, number>): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `${n} × ${reason}`)
    .join(", ");
}

function headline(report: CrawlReport): string {
  const what = `${report.tally.total} URLs from ${report.origin || "the embedded server"}`;
  switch (report.ending) {
    case "finished":
      return `crawl finished: ${what} in ${seconds(report.wallMs)}`;
    case "deadline":
      return `crawl stopped at its deadline (${report.deadline} ms): ${what}`;
    default:
      return `crawl interrupted (Ctrl-C) after ${seconds(report.wallMs)}: ${what}`;
  }
}

/** The summary table. */
export function formatSummary(report: CrawlReport): string {
  const t = report.tally;
  const notStarted = t.cancelled - t.cancelledInFlight;
  const rows: [string, string | number, string][] = [
    ["done", t.done, t.cached > 0 ? `${t.cached} of them from the cache` : ""],
    [
      "cached (eager)",
      t.cached,
      t.cached === 0
        ? ""
        : t.eager === t.cached
          ? `all ${t.cached} finished inside startTask, without suspending`
          : `${t.eager} of ${t.cached} finished inside startTask`,
    ],
    [
      "retried",
      t.retried,
      t.retries > 0 ? `${t.retries} retries; failed attempts: ${breakdown(t.attemptFailures)}` : "",
    ],
    ["timed out", t.timedOut, ""],
    ["failed", t.failed, breakdown(t.failedBy)],
    [
      "cancelled",
      t.cancelled,
      t.cancelled > 0 ? `${t.cancelledInFlight} in flight, ${notStarted} never started` : "",
    ],
  ];
  const tail: [string, string | number, string][] = [
    ["total", t.total, "= done + failed + timed out + cancelled"],
    ["wall time", seconds(report.wallMs), ""],
    ["requests/s", perSecond(t.requests, report.wallMs), `${t.requests} HTTP requests`],
    ["peak in flight", t.peakInFlight, `limit ${report.limit}`],
  ];
  const line = ([label, value, note]: [string, string | number, string]): string =>
    `  ${label.padEnd(15)}${String(value).padStart(8)}${note === "" ? "" : `   ${note}`}`.trimEnd();
  const server = report.server;
  const shutdown =
    server === undefined
      ? "  shutdown: the server did not start"
      : `  shutdown: server closed, ${server.cut} connections cut, ` +
        `${report.openSockets ?? "?"} sockets left open; ` +
        `${server.abandoned} requests abandoned by the client (timeouts and cancellation)`;
  return [
    headline(report),
    "",
    ...rows.map(line),
    `  ${"─".repeat(23)}`,
    ...tail.map(line),
    "",
    shutdown,
  ].join("\n");
}

/** The summary as plain data (what `--json` prints). */
export function summaryData(report: CrawlReport): Record<string, unknown> {
  const t = report.tally;
  return {
    ending: report.ending,
    origin: report.origin,
    count: t.total,
    done: t.done,
    cached: t.cached,
    eager: t.eager,
    retried: t.retried,
    retries: t.retries,
    timedOut: t.timedOut,
    failed: t.failed,
    cancelled: t.cancelled,
    cancelledInFlight: t.cancelledInFlight,
    requests: t.requests,
    inFlight: t.inFlight,
    peakInFlight: t.peakInFlight,
    limit: report.limit,
    wallMs: Math.round(report.wallMs),
    requestsPerSecond: perSecond(t.requests, report.wallMs),
    attemptFailures: Object.fromEntries(t.attemptFailures),
    failedBy: Object.fromEntries(t.failedBy),
    server: report.server === undefined ? null : { ...report.server },
    openSockets: report.openSockets ?? null,
  };
}
