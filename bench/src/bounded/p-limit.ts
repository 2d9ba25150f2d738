/** p-limit 7 over an array of every item, then `Promise.all` (one promise per item up front). */
import pLimit from "p-limit";
import { LIMIT, awaited, items, type BoundedImpl } from "./work.js";

export const impl: BoundedImpl = {
  async run(n, workload) {
    const limit = pLimit(LIMIT);
    const results = await Promise.all(
      Array.from(items(n), (i) => limit(() => awaited(workload, i))),
    );
    let sum = 0;
    for (const v of results) sum += v;
    return sum;
  },
};
