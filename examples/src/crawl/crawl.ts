// The crawl itself: a lazy list of URLs, cache hits answered eagerly on the
// spot, the rest fetched with bounded concurrency.
import { Cancelled, mapConcurrent, nursery, type Nursery, type Operation } from "@copse/core";
import type { PageCache } from "./cache.js";
import { fetchPage, type FetchPolicy, type FetchResult } from "./fetch-page.js";
import type { HttpGet } from "./http.js";
import { pageList, pagePath } from "./plan.js";
import type { Tally } from "./tally.js";

/** What {@link crawl} needs besides the URLs. */
export interface CrawlSetup {
  /** `http://127.0.0.1:<port>` of the server. */
  readonly origin: string;
  /** Seed of the URL list. */
  readonly seed: number;
  /** URLs to fetch. */
  readonly count: number;
  /** HTTP requests in flight at most. */
  readonly limit: number;
  readonly policy: FetchPolicy;
  readonly get: HttpGet;
  readonly cache: PageCache;
  readonly tally: Tally;
}

/**
 * The URLs that need the server, pulled lazily by `mapConcurrent` as slots
 * free up. A URL found in the cache is answered on the spot by a task
 * started eagerly in `n`: reading the cache never suspends, so the task is
 * done when `startTask` returns, the URL takes no slot and is not yielded.
 */
function* uncachedUrls(setup: CrawlSetup, n: Nursery): Generator<string, void> {
  const { cache, tally } = setup;
  for (const page of pageList(setup.seed, setup.count)) {
    const url = setup.origin + pagePath(page);
    if (cache.has(url)) {
      const hit = n.startTask(() => cache.read(url), { name: "cache hit" });
      tally.recordHit(hit.done);
      continue;
    }
    yield url;
  }
}

/** Fetches one URL and caches a 200; counts it if it is cancelled on the way. */
function* fetchAndCache(setup: CrawlSetup, url: string): Operation<FetchResult> {
  try {
    const result = yield* fetchPage(url, setup.policy, setup.get);
    if (result.kind === "done") setup.cache.set(url, result.body);
    return result;
  } catch (error) {
    if (error instanceof Cancelled) setup.tally.cancelledInFlight++;
    throw error;
  }
}

/**
 * Fetches `setup.count` URLs of the server, at most `setup.limit` at once,
 * and counts every ending in `setup.tally`. Returns once every URL ended.
 *
 * Suspends while requests are in flight. Cancelled (Ctrl-C, a deadline
 * around it), it stops pulling URLs, cancels every fetch in flight (their
 * requests are aborted, their backoff sleeps end at once) and rethrows
 * `Cancelled`; what had ended stays counted. Cache hits run on the eager
 * path and never suspend. An unexpected error in a fetch cancels the rest
 * and comes out as a `NurseryError`.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "@copse/core";
 * import { VirtualClock } from "@copse/testing";
 * import { PageCache } from "@copse/examples/crawl/cache";
 * import { crawl } from "@copse/examples/crawl/crawl";
 * import { pageList } from "@copse/examples/crawl/plan";
 * import { Tally } from "@copse/examples/crawl/tally";
 *
 * // A network where every page answers at once; no server needed.
 * const tally = new Tally(300);
 * await run(
 *   () =>
 *     crawl({
 *       origin: "http://test",
 *       seed: 1,
 *       count: 300,
 *       limit: 8,
 *       policy: { timeout: 250, retries: 2, backoff: 50 },
 *       get: tally.counting(async () => ({ status: 200, body: "a page" })),
 *       cache: new PageCache(),
 *       tally,
 *     }),
 *   { clock: new VirtualClock() },
 * );
 * const pages = [...pageList(1, 300)];
 * const repeats = pages.length - new Set(pages).size;
 * assert.equal(tally.done, 300);
 * assert.equal(tally.cached, repeats); // every repeat was a cache hit...
 * assert.equal(tally.eager, repeats); // ...that finished inside startTask
 * assert.equal(tally.requests, 300 - repeats);
 * ```
 */
export function* crawl(setup: CrawlSetup): Operation<void> {
  yield* nursery(function* (n) {
    yield* mapConcurrent(uncachedUrls(setup, n), (url) => fetchAndCache(setup, url), {
      limit: setup.limit,
    }).forEach((result) => {
      setup.tally.record(result);
    });
  });
}
