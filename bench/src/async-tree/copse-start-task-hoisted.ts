/**
 * copse, eager, as {@link ./copse-start-task.ts} but with the nursery body
 * hoisted into a module-level generator function. A `function*` written
 * inline is a new closure per inner node, and V8 gives each generator
 * closure a prototype object and a map of its own when it is first called
 * (about 1 µs, against 0.1 µs for a module-level one): this row shows what
 * that costs the inline form.
 */
import { nursery, sleep, type Nursery, type Operation } from "@copse/core";
import { copseTree } from "./copse-common.js";
import type { TreeWork } from "./work.js";

function* recurse(work: TreeWork, level: number): Operation<void> {
  if (level === 0) {
    // The leaf inline, as in every implementation (no extra generator per leaf).
    if (work.leaf()) {
      yield* sleep(work.sleepMs);
      work.ioDone();
    }
    return;
  }
  yield* nursery((n) => startChildren(n, work, level));
}

function* startChildren(n: Nursery, work: TreeWork, level: number): Operation<void> {
  for (let i = 0; i < work.branches; i++) n.startTask(() => recurse(work, level - 1));
}

export const impl = copseTree(recurse);
