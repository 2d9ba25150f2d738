/** The floor: `LIMIT` async functions that each loop on the shared iterator. */
import { LIMIT, awaited, items, type BoundedImpl } from "./work.js";

export const impl: BoundedImpl = {
  async run(n, workload) {
    const source = items(n);
    let sum = 0;
    const worker = async (): Promise<void> => {
      for (let step = source.next(); step.done !== true; step = source.next()) {
        const v = await awaited(workload, step.value);
        sum += v;
      }
    };
    const workers: Promise<void>[] = [];
    for (let i = 0; i < LIMIT; i++) workers.push(worker());
    await Promise.all(workers);
    return sum;
  },
};
