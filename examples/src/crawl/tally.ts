// What the crawl counts while it runs: the progress display reads it, the
// summary prints it.
import type { AttemptFailure, FetchResult } from "./fetch-page.js";
import type { HttpGet } from "./http.js";

/** Counters of one crawl. URLs end in exactly one of done, failed, timedOut or cancelled. */
export class Tally {
  /** URLs that got their page (from the server or the cache). */
  done = 0;
  /** URLs answered from the cache. */
  cached = 0;
  /** Cache hits whose task was already done when `startTask` returned (read from the task). */
  eager = 0;
  /** URLs whose last attempt failed (404, or 503 / network error with no retry left). */
  failed = 0;
  /** URLs whose last attempt timed out. */
  timedOut = 0;
  /** URLs cancelled while being fetched or between attempts (Ctrl-C, the deadline). */
  cancelledInFlight = 0;
  /** URLs that needed more than one attempt. */
  retried = 0;
  /** Attempts after the first, in all. */
  retries = 0;
  /** Failed attempts by reason (of URLs that finished). */
  readonly attemptFailures = new Map<AttemptFailure, number>();
  /** Failed URLs by the reason of their last attempt. */
  readonly failedBy = new Map<AttemptFailure, number>();
  /** HTTP requests sent. */
  requests = 0;
  /** HTTP requests in flight now: sent, and neither answered nor aborted. */
  inFlight = 0;
  /** The most HTTP requests in flight at once. */
  peakInFlight = 0;

  constructor(
    /** URLs the crawl was asked to fetch. */
    readonly total: number,
  ) {}

  /** URLs that ended with an answer or a failure (not cancelled). */
  get settled(): number {
    return this.done + this.failed + this.timedOut;
  }

  /** URLs that did not end: cancelled in flight, or never started. */
  get cancelled(): number {
    return this.total - this.settled;
  }

  /** A URL answered from the cache; `eager`: its task finished inside `startTask`. */
  recordHit(eager: boolean): void {
    this.done++;
    this.cached++;
    if (eager) this.eager++;
  }

  /** A URL that went to the server ended. */
  record(result: FetchResult): void {
    if (result.kind === "done") this.done++;
    else if (result.kind === "timedOut") this.timedOut++;
    else {
      this.failed++;
      const last = result.failures[result.failures.length - 1]!;
      this.failedBy.set(last, (this.failedBy.get(last) ?? 0) + 1);
    }
    const attempts = result.failures.length + (result.kind === "done" ? 1 : 0);
    if (attempts > 1) {
      this.retried++;
      this.retries += attempts - 1;
    }
    for (const failure of result.failures) {
      this.attemptFailures.set(failure, (this.attemptFailures.get(failure) ?? 0) + 1);
    }
  }

  /** `get`, counting requests in flight: from the call until it settles or its signal aborts. */
  counting(get: HttpGet): HttpGet {
    return (url, attempt, signal) => {
      this.requests++;
      this.inFlight++;
      if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
      let over = false;
      const end = (): void => {
        if (over) return;
        over = true;
        this.inFlight--;
        signal.removeEventListener("abort", end);
      };
      signal.addEventListener("abort", end);
      return get(url, attempt, signal).finally(end);
    };
  }
}
