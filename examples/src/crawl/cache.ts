// The in-memory cache of fetched pages.
import type { Operation } from "@copse/core";

/** Pages fetched so far, by URL. Only 200 answers are kept: a failed URL is fetched again. */
export class PageCache {
  private readonly pages = new Map<string, string>();

  /** Pages held. */
  get size(): number {
    return this.pages.size;
  }

  has(url: string): boolean {
    return this.pages.has(url);
  }

  set(url: string, body: string): void {
    this.pages.set(url, body);
  }

  /**
   * The cached body of `url`, as an operation that never suspends: a task
   * started on it with `startTask` is done before `startTask` returns, with
   * no promise, timer or run-queue turn. Throws an `Error` if `url` is not
   * cached (check `has` first).
   *
   * ```ts
   * import assert from "node:assert/strict";
   * import { nursery, run } from "@copse/core";
   * import { PageCache } from "@copse/examples/crawl/cache";
   *
   * const cache = new PageCache();
   * cache.set("/a", "page a");
   * const task = run(() =>
   *   nursery(function* (n) {
   *     const hit = n.startTask(() => cache.read("/a"));
   *     assert.equal(hit.done, true); // finished inside startTask
   *     return yield* hit; // joining a finished task does not suspend either
   *   }),
   * );
   * assert.deepEqual(task.outcome, { status: "ok", value: "page a" });
   * ```
   */
  *read(url: string): Operation<string> {
    const body = this.pages.get(url);
    if (body === undefined)
      throw new Error(`${url} is not in the cache; check cache.has(url) first`);
    return body;
  }
}
