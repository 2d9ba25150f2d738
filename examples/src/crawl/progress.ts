// The live progress display: a bar redrawn in place on a terminal, or a
// plain line now and then when the output goes to a file or a pipe.
import { sleep, type Operation } from "@copse/core";
import type { Tally } from "./tally.js";

/** Where progress goes (process.stderr fits). */
export interface ProgressOutput {
  readonly isTTY?: boolean;
  /** The terminal's width: the bar is cut to fit, since a wrapped line cannot be redrawn in place. */
  readonly columns?: number;
  write(text: string): unknown;
}

const BAR_WIDTH = 24;
/** Redraw interval of the bar, and of the plain lines. */
export const BAR_INTERVAL_MS = 100;
export const LINES_INTERVAL_MS = 500;

function rate(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((count * 1_000) / elapsedMs) : 0;
}

/** One redraw of the bar (no line break). */
export function progressBar(tally: Tally, elapsedMs: number): string {
  const share = tally.total === 0 ? 1 : tally.settled / tally.total;
  const filled = Math.round(share * BAR_WIDTH);
  const bar = "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled);
  return (
    `${bar} ${String(Math.floor(share * 100)).padStart(3)}%  ${tally.settled}/${tally.total}` +
    `  in flight ${tally.inFlight}  cached ${tally.cached}  retried ${tally.retried}` +
    `  timed out ${tally.timedOut}  failed ${tally.failed}  ${rate(tally.requests, elapsedMs)} req/s`
  );
}

/** One plain progress line (no line break). */
export function progressLine(tally: Tally, elapsedMs: number): string {
  const share = tally.total === 0 ? 100 : Math.floor((tally.settled / tally.total) * 100);
  return (
    `progress: ${tally.settled}/${tally.total} URLs ended (${share}%), ${tally.inFlight} requests in flight, ` +
    `${tally.cached} cached, ${tally.retried} retried, ${rate(tally.requests, elapsedMs)} requests/s`
  );
}

/**
 * Shows progress until cancelled: redraws the bar on `out` every
 * {@link BAR_INTERVAL_MS} ms (mode `bar`), or writes a line every
 * {@link LINES_INTERVAL_MS} ms (mode `lines`). `now` gives the elapsed
 * wall time. Suspends in its sleep, forever; cancelled, it erases the bar
 * (no waiting) and `Cancelled` propagates. Throws nothing else.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 * import { moveOnAfter } from "@copse/timeout";
 * import { showProgress } from "@copse/examples/crawl/progress";
 * import { Tally } from "@copse/examples/crawl/tally";
 *
 * const lines: string[] = [];
 * const out = { write: (text: string) => lines.push(text) };
 * await run(() => moveOnAfter(1_200, () => showProgress(new Tally(10), "lines", out, () => 1_000)), {
 *   clock: new VirtualClock(),
 * });
 * assert.equal(lines.length, 2); // at 500 and 1000 ms
 * assert.equal(lines[0], "progress: 0/10 URLs ended (0%), 0 requests in flight, 0 cached, 0 retried, 0 requests/s\n");
 * ```
 */
export function* showProgress(
  tally: Tally,
  mode: "bar" | "lines",
  out: ProgressOutput,
  now: () => number,
): Operation<never> {
  try {
    while (true) {
      if (mode === "bar") {
        yield* sleep(BAR_INTERVAL_MS);
        out.write(`\r\x1b[2K${progressBar(tally, now()).slice(0, (out.columns ?? 80) - 1)}`);
      } else {
        yield* sleep(LINES_INTERVAL_MS);
        out.write(`${progressLine(tally, now())}\n`);
      }
    }
  } finally {
    if (mode === "bar") out.write("\r\x1b[2K");
  }
}
