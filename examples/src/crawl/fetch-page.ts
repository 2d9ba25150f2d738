// The fetch worker: one URL, each attempt under its own timeout, retries
// with a doubling backoff, and cancellation that goes straight through.
import { Cancelled, call, sleep, type Operation } from "@copse/core";
import { TimeoutError, failAfter } from "@copse/timeout";
import { NetworkError, type HttpGet } from "./http.js";

/** How hard {@link fetchPage} tries. */
export interface FetchPolicy {
  /** Timeout of each attempt, in ms. */
  readonly timeout: number;
  /** Attempts after the first one, at most. */
  readonly retries: number;
  /** Wait before the first retry, in ms; it doubles for each further retry. */
  readonly backoff: number;
}

/** Why one attempt failed. */
export type AttemptFailure = "timeout" | `HTTP ${number}` | "network";

/** How fetching one URL ended (cancellation is not an ending: it is thrown). */
export type FetchResult =
  | { readonly kind: "done"; readonly body: string; readonly failures: readonly AttemptFailure[] }
  | { readonly kind: "failed"; readonly failures: readonly AttemptFailure[] }
  | { readonly kind: "timedOut"; readonly failures: readonly AttemptFailure[] };

/** The server answered with a status other than 200. */
export class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
    this.name = "HttpStatusError";
  }
}

/** The wait before attempt `attempt + 1`. */
export function backoffDelay(policy: FetchPolicy, attempt: number): number {
  return policy.backoff * 2 ** (attempt - 1);
}

/** Timeouts, network errors and 5xx answers may go away on a retry; a 404 will not. */
function failureOf(error: unknown): { failure: AttemptFailure; retry: boolean } | undefined {
  if (error instanceof TimeoutError) return { failure: "timeout", retry: true };
  if (error instanceof NetworkError) return { failure: "network", retry: true };
  if (error instanceof HttpStatusError) {
    return { failure: `HTTP ${error.status}`, retry: error.status >= 500 || error.status === 429 };
  }
  return undefined;
}

/**
 * Fetches `url` with `get`: each attempt runs under `failAfter(policy.timeout)`
 * and hands the request its `AbortSignal` through `call`, so a timeout
 * aborts the request itself. A timeout, a network error or a 5xx answer is
 * retried after `backoff`, `2 × backoff`, … ms, up to `policy.retries`
 * times; a 4xx answer is final. Returns how it ended, with the reason of
 * every failed attempt.
 *
 * Suspends in the request and in the backoff sleep. Cancellation (Ctrl-C,
 * an overall deadline, a failing sibling) is not a failed attempt: it
 * aborts the request in flight, or ends the backoff sleep at once, and
 * `Cancelled` propagates. Any other error from `get` (a bug, not a network
 * failure) propagates too.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 * import { fetchPage } from "@copse/examples/crawl/fetch-page";
 * import type { HttpGet } from "@copse/examples/crawl/http";
 *
 * // A server that answers 503 twice, then 200.
 * const get: HttpGet = async (_url, attempt) =>
 *   attempt < 3 ? { status: 503, body: "" } : { status: 200, body: "hello" };
 * const result = await run(
 *   () => fetchPage("http://127.0.0.1/pages/1", { timeout: 250, retries: 2, backoff: 50 }, get),
 *   { clock: new VirtualClock() },
 * );
 * assert.deepEqual(result, { kind: "done", body: "hello", failures: ["HTTP 503", "HTTP 503"] });
 * ```
 */
export function* fetchPage(url: string, policy: FetchPolicy, get: HttpGet): Operation<FetchResult> {
  const failures: AttemptFailure[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = yield* failAfter(policy.timeout, () =>
        call((signal) => get(url, attempt, signal)),
      );
      if (answer.status === 200) return { kind: "done", body: answer.body, failures };
      throw new HttpStatusError(answer.status);
    } catch (error) {
      if (error instanceof Cancelled) throw error;
      const failed = failureOf(error);
      if (failed === undefined) throw error;
      failures.push(failed.failure);
      if (!failed.retry || attempt > policy.retries) {
        return { kind: failed.failure === "timeout" ? "timedOut" : "failed", failures };
      }
    }
    yield* sleep(backoffDelay(policy, attempt));
  }
}
