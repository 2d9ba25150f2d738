/** Effect 4: `Effect.forEach(source, f, { concurrency: 1000 })`, each item `Effect.promise`. */
import { Effect } from "effect";
import { LIMIT, awaited, items, type BoundedImpl } from "./work.js";

export const impl: BoundedImpl = {
  async run(n, workload) {
    const results = await Effect.runPromise(
      Effect.forEach(items(n), (i) => Effect.promise(() => awaited(workload, i)), {
        concurrency: LIMIT,
      }),
    );
    let sum = 0;
    for (const v of results) sum += v;
    return sum;
  },
};
