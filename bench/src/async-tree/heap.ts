/**
 * Heap held per sleeping leaf, with the whole `io` tree asleep:
 *
 *     node --expose-gc dist/async-tree/heap.js [impl ...] [--tiny]
 *
 * Starts the `io` tree with a 1.5 s sleep, waits until every leaf is
 * asleep, collects garbage and divides the growth of the used heap by the
 * number of leaves (inner nodes included in the share). What the garbage
 * collector has to keep alive, and copy or mark, while the I/O is pending.
 */
import { requireGc } from "../lib/gc.js";
import { table } from "../lib/table.js";
import { IMPLS, findImpl } from "./registry.js";
import { TreeWork, leafCount, type TreeShape } from "./work.js";

/** `--tiny` (bench:check): a 3-level tree and a short sleep. */
const SHAPE: TreeShape = process.argv.includes("--tiny")
  ? { levels: 3, branches: 6, sleepMs: 300 }
  : { levels: 6, branches: 6, sleepMs: 1500 };

async function heldPerLeaf(id: string): Promise<number> {
  const gc = requireGc();
  const { impl } = await findImpl(id).load();
  gc();
  const before = process.memoryUsage().heapUsed;
  const work = new TreeWork("io", SHAPE);
  const pending = impl.run(work);
  await new Promise((resolve) => setTimeout(resolve, SHAPE.sleepMs / 2));
  if (work.counts.sleeps !== leafCount(SHAPE) || work.counts.sleepsDone !== 0) {
    throw new Error(`${id}: the tree was not all asleep at the probe`);
  }
  gc();
  const held = (process.memoryUsage().heapUsed - before) / leafCount(SHAPE);
  await pending;
  return held;
}

async function main(): Promise<void> {
  const ids = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
  const rows: string[][] = [];
  for (const id of ids.length > 0
    ? ids
    : IMPLS.map((i) => i.id).filter((i) => i !== "effection-all")) {
    rows.push([findImpl(id).label, `${(await heldPerLeaf(id)).toFixed(0)} B`]);
  }
  console.log(table(["implementation", "heap held per sleeping leaf"], rows));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
