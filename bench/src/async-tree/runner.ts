/**
 * Runs the async-tree matrix, one implementation × variant per process,
 * rounds interleaved across implementations, and turns the results into
 * tables: per cell the median over processes of each process's median run,
 * the fastest run seen, and the ratio to `Promise.all` on the same variant.
 * With `cold`, every cell also gets processes that do 1 warm-up and 3 runs
 * (what a short-lived program or a test sees before the JIT has settled),
 * run in the same rounds and reported next to the warm figures.
 */
import { median, min, ms, ratio } from "../lib/stats.js";
import { parseLastJson, runNode } from "../lib/spawn.js";
import type { BenchRuntime } from "../lib/runtimes.js";
import { table } from "../lib/table.js";
import { IMPLS, type ImplId } from "./registry.js";
import { VARIANTS, type TreeShape, type Variant, type WorkCounts } from "./work.js";
import type { WorkerResult } from "./worker.js";

export interface TreeOptions {
  shape: TreeShape;
  processes: number;
  warmup: number;
  runs: number;
  budgetMs: number;
  /** The cold protocol (warm-up runs and measured runs per process), or null for none. */
  cold: { warmup: number; runs: number } | null;
  /** Processes per cell for the slow implementations (one measured run each, no warm-up). */
  slowProcesses: number;
  impls: readonly ImplId[];
  variants: readonly Variant[];
  /** The runtime every worker runs in. */
  runtime: BenchRuntime;
  /** Progress lines go here. */
  log: (line: string) => void;
}

/** Implementations too slow for the full protocol: one measured run per process, `slowProcesses` processes. */
const SLOW: readonly ImplId[] = ["effection-all"];

interface Cell {
  impl: ImplId;
  variant: Variant;
  results: WorkerResult[];
  /** The processes of the cold protocol (empty without it). */
  cold: WorkerResult[];
}

export interface TreeReport {
  cells: Cell[];
  markdown: string;
  /** Per copse target: the words for the report. */
  targets: { target: string; measured: string; met: boolean | undefined }[];
}

function processMedian(result: WorkerResult): number {
  return median(result.times);
}

function cellMedian(cell: Cell | undefined): number {
  return cell === undefined ? NaN : median(cell.results.map(processMedian));
}

function coldMedian(cell: Cell | undefined): number {
  return cell === undefined ? NaN : median(cell.cold.map(processMedian));
}

function cellMin(cell: Cell | undefined): number {
  return cell === undefined ? NaN : min(cell.results.flatMap((r) => r.times));
}

export async function runAsyncTree(options: TreeOptions): Promise<TreeReport> {
  const { shape } = options;
  const cells = new Map<string, Cell>();
  const key = (impl: string, variant: string): string => `${impl}/${variant}`;
  for (const variant of options.variants) {
    for (const impl of options.impls)
      cells.set(key(impl, variant), { impl, variant, results: [], cold: [] });
  }
  const jobs = options.impls.length * options.variants.length;
  for (let round = 0; round < options.processes; round++) {
    let done = 0;
    const started = performance.now();
    // Rotate the order every round, so no implementation always runs first or last.
    for (let v = 0; v < options.variants.length; v++) {
      const variant = options.variants[(v + round) % options.variants.length]!;
      for (let i = 0; i < options.impls.length; i++) {
        const impl = options.impls[(i + round) % options.impls.length]!;
        done++;
        const slow = SLOW.includes(impl);
        if (slow && round >= options.slowProcesses) continue;
        const cell = cells.get(key(impl, variant))!;
        const worker = async (warmup: number, runs: number, budget: number) => {
          const args = [
            impl,
            variant,
            `--levels=${shape.levels}`,
            `--branches=${shape.branches}`,
            `--sleep=${shape.sleepMs}`,
            `--warmup=${warmup}`,
            `--runs=${runs}`,
            `--budget=${budget}`,
          ];
          const result = await runNode("async-tree/worker.js", args, {
            timeoutMs: 10 * 60_000,
            executable: options.runtime.executable,
          });
          return parseLastJson<WorkerResult>(`async-tree worker ${impl} ${variant}`, result);
        };
        cell.results.push(
          await worker(slow ? 0 : options.warmup, slow ? 1 : options.runs, options.budgetMs),
        );
        // The cold process right after the warm one of the same cell, so
        // both see the same machine; a slow implementation is cold already.
        if (options.cold !== null && !slow) {
          cell.cold.push(await worker(options.cold.warmup, options.cold.runs, 1e9));
        }
      }
    }
    options.log(
      `async-tree (${options.runtime.label}): round ${round + 1}/${options.processes} (${done}/${jobs} processes) in ${ms(performance.now() - started)}`,
    );
  }
  const all = [...cells.values()];
  checkAgreement(all);
  return report(all, options);
}

/** Every implementation must have done the same work on a variant (each worker also checked it). */
function checkAgreement(cells: Cell[]): void {
  for (const variant of VARIANTS) {
    const seen = new Map<string, string>();
    for (const cell of cells.filter((c) => c.variant === variant)) {
      for (const result of [...cell.results, ...cell.cold])
        seen.set(JSON.stringify(result.counts), cell.impl);
    }
    if (seen.size > 1) {
      throw new Error(
        `the implementations disagree on the work of ${variant}: ${[...seen].map(([c, i]) => `${i}: ${c}`).join("; ")}`,
      );
    }
  }
}

function countsLine(counts: WorkCounts): string {
  return `${counts.leaves} leaves, ${counts.sleeps} sleeps, ${counts.factorials} factorials, ${counts.cacheHits} cache hits`;
}

function report(cells: Cell[], options: TreeOptions): TreeReport {
  const find = (impl: ImplId, variant: Variant): Cell | undefined =>
    cells.find((c) => c.impl === impl && c.variant === variant && c.results.length > 0);
  const label = (impl: ImplId): string => IMPLS.find((i) => i.id === impl)!.label;
  const sections: string[] = [];

  // The summary: medians and ratios to Promise.all, one column per variant
  // (warm; then the same cells cold, when measured).
  const summary = (of: (cell: Cell | undefined) => number): string[][] =>
    options.impls.map((impl) => [
      label(impl),
      ...options.variants.map((variant) => {
        const m = of(find(impl, variant));
        const base = of(find("promise-all", variant));
        return `${ms(m)} (${ratio(m / base)})`;
      }),
    ]);
  const warmHeader = `warm (${options.warmup} warm-up, up to ${options.runs} runs per process)`;
  sections.push(
    `${warmHeader}:\n\n` +
      table(
        ["implementation", ...options.variants.map((v) => `${v}: median (vs Promise.all)`)],
        summary(cellMedian),
      ),
  );
  const cold = options.cold;
  if (cold !== null) {
    sections.push(
      `cold (${cold.warmup} warm-up, ${cold.runs} runs per process, same rounds):\n\n` +
        table(
          ["implementation", ...options.variants.map((v) => `${v}: cold median (vs Promise.all)`)],
          summary(coldMedian),
        ),
    );
  }

  for (const variant of options.variants) {
    const any = cells.find((c) => c.variant === variant && c.results.length > 0);
    const rows = options.impls.map((impl) => {
      const cell = find(impl, variant);
      const m = cellMedian(cell);
      const stats = cell?.results[cell.results.length - 1]?.stats;
      return [
        label(impl),
        ms(m),
        ms(cellMin(cell)),
        ratio(m / cellMedian(find("promise-all", variant))),
        ratio(m / cellMedian(find("callback-floor", variant))),
        cold === null
          ? "—"
          : `${ms(coldMedian(cell))} (${ratio(coldMedian(cell) / coldMedian(find("promise-all", variant)))})`,
        cell === undefined
          ? "—"
          : `${cell.results.length} × ${median(cell.results.map((r) => r.times.length))}`,
        stats === undefined
          ? ""
          : `${stats["turns"]} turns, ${stats["microtasks"]} µtasks, ${stats["yields"]} yields, ${stats["clockTimers"]} clock timers`,
      ];
    });
    sections.push(
      `#### ${variant}` +
        (any === undefined ? "" : ` — ${countsLine(any.results[0]!.counts)} per run`) +
        "\n\n" +
        table(
          [
            "implementation",
            "median",
            "min",
            "vs Promise.all",
            "vs callback floor",
            "cold median (vs Promise.all)",
            "processes × runs",
            "copse runtime, last run",
          ],
          rows,
        ),
    );
  }

  const targets = targetRows(find, cellMedian);
  const coldTargets = cold === null ? undefined : targetRows(find, coldMedian);
  sections.push(
    table(
      ["copse target", "measured (warm)", "met", "cold"],
      targets.map((t, i) => {
        const c = coldTargets?.[i];
        return [
          t.target,
          t.measured,
          t.met === undefined ? "not measured" : t.met ? "yes" : "**no**",
          c === undefined || c.met === undefined
            ? "—"
            : `${c.measured} (${c.met ? "met" : "**missed**"})`,
        ];
      }),
    ),
  );
  sections.push(lazyOrderTable(find, cellMedian, options.variants));
  return { cells, markdown: sections.join("\n\n"), targets };
}

/**
 * What the lazy start order costs by itself, next to the lazy target: the
 * least a FIFO scheduler of generator tasks does (the lazy floor) and
 * `Promise.all` over children started lazily, both against `Promise.all`,
 * and copse's `startSoon` against the lazy floor.
 */
function lazyOrderTable(
  find: (impl: ImplId, variant: Variant) => Cell | undefined,
  of: (cell: Cell | undefined) => number,
  variants: readonly Variant[],
): string {
  const med = (impl: ImplId, variant: Variant): number => of(find(impl, variant));
  const row = (what: string, impl: ImplId, base: ImplId): string[] => [
    what,
    ...variants.map((variant) => ratio(med(impl, variant) / med(base, variant))),
  ];
  return (
    "the lazy start order by itself (ratios of medians):\n\n" +
    table(
      ["ratio", ...variants],
      [
        row("lazy floor / Promise.all", "lazy-floor", "promise-all"),
        row("Promise.all, lazily started / Promise.all", "promise-all-lazy", "promise-all"),
        row("copse `startSoon` / lazy floor", "copse-start-soon", "lazy-floor"),
        row(
          "copse `startSoon`, body hoisted / lazy floor",
          "copse-start-soon-hoisted",
          "lazy-floor",
        ),
        row(
          "copse `startSoon`, body hoisted / Promise.all",
          "copse-start-soon-hoisted",
          "promise-all",
        ),
      ],
    )
  );
}

function targetRows(
  find: (impl: ImplId, variant: Variant) => Cell | undefined,
  of: (cell: Cell | undefined) => number,
) {
  const med = (impl: ImplId, variant: Variant): number => of(find(impl, variant));
  const rows: { target: string; measured: string; met: boolean | undefined }[] = [];
  /** `value / base` must stay at or under `limit`. */
  const check = (target: string, value: number, base: number, limit: number, of: string): void => {
    const r = value / base;
    const measured =
      limit < 1
        ? r <= 1
          ? `${ratio(1 / r)} faster than ${of}`
          : `${ratio(r)} slower than ${of}`
        : `${ratio(r)} ${of}`;
    rows.push({ target, measured, met: Number.isFinite(r) ? r <= limit : undefined });
  };
  for (const eager of ["copse-all", "copse-all-thunks", "copse-start-task"] as const) {
    const name =
      eager === "copse-all"
        ? "`all`"
        : eager === "copse-all-thunks"
          ? "`all` over thunks"
          : "`startTask`";
    check(
      `eager ${name} none ≥ 5× faster than Promise.all`,
      med(eager, "none"),
      med("promise-all", "none"),
      0.2,
      "Promise.all",
    );
    const floor = (variant: Variant, limit: number): void =>
      check(
        `eager ${name} ${variant} ≤ ${limit}× callback floor`,
        med(eager, variant),
        med("callback-floor", variant),
        limit,
        "of the floor",
      );
    floor("memoization", 1.3);
    floor("io", 1.2);
    floor("cpu_io_mixed", 1.1);
  }
  for (const variant of VARIANTS) {
    check(
      `\`all\` over thunks ${variant} ≤ 1.1× \`all\` over operations`,
      med("copse-all-thunks", variant),
      med("copse-all", variant),
      1.1,
      "of `all` over operations",
    );
  }
  for (const variant of VARIANTS) {
    check(
      `lazy \`startSoon\` ${variant} ≤ Promise.all`,
      med("copse-start-soon", variant),
      med("promise-all", variant),
      1,
      "of Promise.all",
    );
  }
  return rows;
}
