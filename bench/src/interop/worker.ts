/**
 * One interop tree × leaf per process:
 *
 *     node dist/interop/worker.js <tree> <sync|sleep> [--n 10000] [--warmup 5] [--runs 20]
 *
 * Runs the tree `warmup` times, then `runs` times measured (wall time from
 * the call until the sum is known); every run's sum is checked. Prints one
 * JSON line.
 */
import { numberOption, parseArgs } from "../lib/args.js";
import { median, min } from "../lib/stats.js";
import { findTree, LEAVES, type Leaf } from "./trees.js";

export interface InteropResult {
  tree: string;
  leaf: Leaf;
  n: number;
  medianMs: number;
  minMs: number;
  runs: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ["n", "warmup", "runs"]);
  const [id, leafName] = args.positional;
  if (id === undefined || !(LEAVES as readonly string[]).includes(leafName ?? "")) {
    throw new Error(
      `usage: worker.js <tree> <${LEAVES.join("|")}> [--n N] [--warmup N] [--runs N]`,
    );
  }
  const tree = findTree(id);
  const leaf = leafName as Leaf;
  const n = numberOption(args, "n", 10_000);
  const warmup = numberOption(args, "warmup", 5);
  const runs = Math.max(1, numberOption(args, "runs", 20));
  const expected = (n * (n - 1)) / 2;
  const once = async (): Promise<number> => {
    const started = performance.now();
    const total = await tree.run(n, leaf);
    const elapsed = performance.now() - started;
    if (total !== expected) throw new Error(`${id} ${leaf}: sum ${total}, expected ${expected}`);
    return elapsed;
  };
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  const result: InteropResult = {
    tree: id,
    leaf,
    n,
    medianMs: median(times),
    minMs: min(times),
    runs,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
