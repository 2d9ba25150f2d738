/** p-map 7's `pMapIterable`: results in input order from `for await`, the source read lazily. */
import { pMapIterable } from "p-map";
import { LIMIT, awaited, items, type BoundedImpl } from "./work.js";

export const impl: BoundedImpl = {
  async run(n, workload) {
    let sum = 0;
    for await (const v of pMapIterable(items(n), (i) => awaited(workload, i), {
      concurrency: LIMIT,
    })) {
      sum += v;
    }
    return sum;
  },
};
