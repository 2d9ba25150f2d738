/** p-map 7 over the lazy generator (it collects the results into an array, its API). */
import pMap from "p-map";
import { LIMIT, awaited, items, type BoundedImpl } from "./work.js";

export const impl: BoundedImpl = {
  async run(n, workload) {
    const results = await pMap(items(n), (i) => awaited(workload, i), { concurrency: LIMIT });
    let sum = 0;
    for (const v of results) sum += v;
    return sum;
  },
};
