/**
 * Runs every implementation × sync benchmark in its own processes (rounds
 * interleaved, order rotated) and tabulates operations per second.
 */
import { parseLastJson, runNode } from "../lib/spawn.js";
import { count, median, ratio } from "../lib/stats.js";
import { table } from "../lib/table.js";
import { SUPPORTS, SYNC_IMPLS, type SyncImplId } from "./registry.js";
import { BENCHES, type Bench } from "./work.js";
import type { SyncWorkerResult } from "./worker.js";

export interface SyncOptions {
  processes: number;
  /** Operations per run (values sent, critical sections). */
  n: number;
  /** The same for Effection, whose runs are far slower. */
  slowN: number;
  warmup: number;
  runs: number;
  budgetMs: number;
  log: (line: string) => void;
}

interface Cell {
  impl: (typeof SYNC_IMPLS)[number];
  bench: Bench;
}

function cells(): Cell[] {
  const out: Cell[] = [];
  for (const bench of BENCHES) {
    for (const impl of SYNC_IMPLS) {
      if (SUPPORTS[impl.id as SyncImplId].includes(bench.kind)) out.push({ impl, bench });
    }
  }
  return out;
}

export async function runSync(options: SyncOptions): Promise<string> {
  const all = cells();
  const results = new Map<string, SyncWorkerResult[]>(all.map((c) => [key(c), []]));
  for (let round = 0; round < options.processes; round++) {
    for (let i = 0; i < all.length; i++) {
      const cell = all[(i + round * 5) % all.length]!;
      const n = cell.impl.id === "effection" ? options.slowN : options.n;
      const result = await runNode(
        "sync/worker.js",
        [
          cell.impl.id,
          cell.bench.id,
          `--n=${n}`,
          `--warmup=${options.warmup}`,
          `--runs=${options.runs}`,
          `--budget=${options.budgetMs}`,
        ],
        { timeoutMs: 10 * 60_000 },
      );
      results.get(key(cell))!.push(parseLastJson(`sync worker ${key(cell)}`, result));
    }
    options.log(`sync: round ${round + 1}/${options.processes}`);
  }

  /** Operations per second of a cell: n / (median over processes of each process's median run). */
  const rate = (impl: string, bench: string): number => {
    const rs = results.get(`${impl} ${bench}`);
    if (rs === undefined || rs.length === 0) return NaN;
    return rs[0]!.n / (median(rs.map((r) => median(r.times))) / 1000);
  };
  const cellText = (r: number): string =>
    Number.isFinite(r) ? `${count(r)}/s (${perOp(1e9 / r)})` : "—";
  const rows = BENCHES.map((bench) => {
    const copse = rate("copse", bench.id);
    const effect = rate("effect", bench.id);
    const runs = results.get(`copse ${bench.id}`)!;
    const stats = runs[runs.length - 1]?.stats;
    const n = runs[0]?.n ?? options.n;
    return [
      bench.label,
      ...SYNC_IMPLS.map((impl) => cellText(rate(impl.id, bench.id))),
      ratio(copse / effect),
      stats === undefined
        ? ""
        : `${(stats["turns"]! / n).toFixed(3)} turns/op, ${stats["microtasks"]} µtasks, ${stats["promises"]} promises`,
    ];
  });
  return [
    table(
      [
        "benchmark",
        ...SYNC_IMPLS.map((i) => `${i.label}: ops/s (time/op)`),
        "copse vs Effect",
        "copse runtime, last run",
      ],
      rows,
    ),
    "",
    table(
      ["benchmark", "one operation is"],
      BENCHES.map((b) => [b.label, b.what]),
    ),
    "",
    `${options.n} operations per run (Effection: ${options.slowN}); every cell ran in its own ` +
      `processes (${options.processes}, rounds interleaved), ${options.warmup} warm-up runs, then up to ` +
      `${options.runs} measured runs or ${options.budgetMs} ms per process; ` +
      "figure: n ÷ the median over processes of each process's median run. " +
      '"copse vs Effect" is the ratio of throughputs (above 1: copse is faster). ' +
      "The runtime column counts the last run's run-queue turns per operation, the microtasks " +
      "it queued and the promises it made (1 when the harness awaited the run's task).",
  ].join("\n");
}

/** A time per operation: ns below 1 µs, else µs. */
function perOp(ns: number): string {
  return ns < 1000 ? `${ns.toPrecision(3)} ns` : `${(ns / 1000).toPrecision(3)} µs`;
}

function key(cell: Cell): string {
  return `${cell.impl.id} ${cell.bench.id}`;
}
