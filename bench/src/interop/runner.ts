/**
 * The interop section: every tree × leaf in its own processes, rounds
 * interleaved (each round rotates the order), tabulated with the ratios
 * against each world alone, measured in the same run.
 */
import { median, min, ms, ratio } from "../lib/stats.js";
import { parseLastJson, runNode } from "../lib/spawn.js";
import { table } from "../lib/table.js";
import { LEAVES, TREES, type Leaf } from "./trees.js";
import type { InteropResult } from "./worker.js";

export interface InteropOptions {
  n: number;
  processes: number;
  warmup: number;
  runs: number;
  log: (line: string) => void;
}

export async function runInterop(options: InteropOptions): Promise<string> {
  const cells = TREES.flatMap((tree) => LEAVES.map((leaf) => ({ tree: tree.id, leaf })));
  const results = new Map<string, InteropResult[]>(cells.map((c) => [`${c.tree} ${c.leaf}`, []]));
  for (let round = 0; round < options.processes; round++) {
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[(i + round) % cells.length]!;
      const result = await runNode(
        "interop/worker.js",
        [
          cell.tree,
          cell.leaf,
          `--n=${options.n}`,
          `--warmup=${options.warmup}`,
          `--runs=${options.runs}`,
        ],
        { timeoutMs: 5 * 60_000 },
      );
      results
        .get(`${cell.tree} ${cell.leaf}`)!
        .push(parseLastJson(`interop worker ${cell.tree} ${cell.leaf}`, result));
    }
    options.log(`interop: round ${round + 1}/${options.processes}`);
  }
  const figure = (tree: string, leaf: Leaf): { median: number; min: number } => {
    const rs = results.get(`${tree} ${leaf}`)!;
    return { median: median(rs.map((r) => r.medianMs)), min: min(rs.map((r) => r.minMs)) };
  };
  const header = ["tree"];
  for (const leaf of LEAVES) {
    const what = leaf === "sync" ? "leaf returns at once" : "leaf sleeps 1 ms";
    header.push(`${what}: median (min)`, "vs copse `all`", "vs `Effect.all`");
  }
  const rows = TREES.map((tree) => {
    const row = [tree.label];
    for (const leaf of LEAVES) {
      const cell = figure(tree.id, leaf);
      row.push(
        `${ms(cell.median)} (${ms(cell.min)})`,
        ratio(cell.median / figure("copse-all", leaf).median),
        ratio(cell.median / figure("effect-all", leaf).median),
      );
    }
    return row;
  });
  return (
    `N = ${options.n} leaves, ${options.processes} process(es) per cell × ` +
    `${options.runs} measured runs after ${options.warmup} warm-up runs; ` +
    "figure = median over processes of each process's median run.\n\n" +
    table(header, rows)
  );
}
