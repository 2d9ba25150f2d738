/**
 * Runs every implementation × workload × size of the bounded-concurrency
 * benchmark in its own process, round after round (each round rotates the
 * order of the implementations), and tabulates medians over processes. A
 * cell that fails (out of heap, killed on its timeout) is not run again.
 */
import { count, median, ms, ratio } from "../lib/stats.js";
import { parseLastJson, runNode } from "../lib/spawn.js";
import { table } from "../lib/table.js";
import { BOUNDED_IMPLS } from "./registry.js";
import { LIMIT, WORKLOADS, type Workload } from "./work.js";
import type { BoundedResult } from "./worker.js";

export interface BoundedOptions {
  sizes: readonly number[];
  processes: number;
  impls?: readonly string[];
  workloads?: readonly Workload[];
  timeoutMs: number;
  /** Also check the peak number of mappings in flight (slower: for `--check`, not timed runs). */
  verify?: boolean;
  log: (line: string) => void;
}

type Cell = { results: BoundedResult[]; failure: string | null };

const POOL = "worker-pool";
const COPSE = "copse-for-each";
const P_MAP = "p-map";

function describeFailure(stderr: string, timedOut: boolean): string {
  if (timedOut) return "killed on its timeout";
  if (/heap out of memory|Allocation failed/i.test(stderr)) return "out of heap";
  const line = stderr
    .trim()
    .split("\n")
    .find((l) => /Error/.test(l));
  return line?.trim().slice(0, 80) ?? "crashed";
}

export async function runBounded(options: BoundedOptions): Promise<string> {
  const impls = BOUNDED_IMPLS.filter((i) => options.impls?.includes(i.id) ?? true);
  const workloads = options.workloads ?? WORKLOADS;
  const cells = new Map<string, Cell>();
  const key = (impl: string, workload: string, n: number): string => `${impl} ${workload} ${n}`;
  for (let round = 0; round < options.processes; round++) {
    for (const workload of workloads) {
      for (const n of options.sizes) {
        for (let k = 0; k < impls.length; k++) {
          const impl = impls[(k + round) % impls.length]!;
          if (impl.only !== undefined && impl.only !== workload) continue;
          const cell = cells.get(key(impl.id, workload, n)) ?? { results: [], failure: null };
          cells.set(key(impl.id, workload, n), cell);
          if (cell.failure !== null) continue;
          const args = [impl.id, workload, String(n)];
          if (options.verify === true) args.push("--verify");
          const result = await runNode("bounded/worker.js", args, {
            timeoutMs: options.timeoutMs,
          });
          if (result.code !== 0 || result.timedOut) {
            cell.failure = describeFailure(result.stderr, result.timedOut);
            options.log(`bounded: ${impl.id} ${workload} ${n}: ${cell.failure}`);
            continue;
          }
          cell.results.push(parseLastJson(`bounded worker ${impl.id}`, result));
        }
      }
    }
    options.log(`bounded: round ${round + 1}/${options.processes}`);
  }

  const figure = (impl: string, workload: string, n: number) => {
    const cell = cells.get(key(impl, workload, n));
    if (cell === undefined) return undefined;
    return {
      failure: cell.failure,
      ms: median(cell.results.map((r) => r.ms)),
      rss: median(cell.results.map((r) => r.maxRssMB)),
      processes: cell.results.length,
      stats: cell.results[cell.results.length - 1]?.stats,
      maxInFlight: cell.results[0]?.maxInFlight,
    };
  };
  const sections: string[] = [];
  for (const workload of workloads) {
    const header = [
      "implementation",
      ...options.sizes.map((n) => `${count(n)} items: time, peak RSS (× pool's time, × its RSS)`),
    ];
    const rows = impls
      .filter((impl) => impl.only === undefined || impl.only === workload)
      .map((impl) => [
        impl.label,
        ...options.sizes.map((n) => {
          const f = figure(impl.id, workload, n);
          const pool = figure(POOL, workload, n);
          if (f === undefined) return "not run";
          if (f.failure !== null && f.processes === 0) return `**fails** (${f.failure})`;
          const vsPool =
            pool !== undefined && pool.processes > 0
              ? `${ratio(f.ms / pool.ms)}, ${ratio(f.rss / pool.rss)}`
              : "—";
          // A cell that failed after some processes succeeded says so next to its median.
          const failedLater =
            f.failure !== null ? `; then **failed** (${f.failure}) after ${f.processes}` : "";
          const peak = f.maxInFlight !== undefined ? `; peak ${f.maxInFlight} in flight` : "";
          return `${ms(f.ms)}, ${f.rss.toFixed(0)} MB (${vsPool})${peak}${failedLater}`;
        }),
      ]);
    sections.push(
      `### Each item awaits ${workload === "promise" ? "a resolved promise" : "a 0 ms timer"} (limit ${LIMIT})\n\n` +
        table(header, rows),
    );
  }
  // The targets: copse against the worker pool and p-map, at the largest size.
  const largest = options.sizes[options.sizes.length - 1]!;
  const smallest = options.sizes[0]!;
  const verdict = (value: number, limit: number): string =>
    value <= limit ? "met" : `**missed** by ${ratio(value / limit)}`;
  const lines: string[] = [];
  for (const workload of workloads) {
    const copse = figure(COPSE, workload, largest);
    const pool = figure(POOL, workload, largest);
    const pMap = figure(P_MAP, workload, largest);
    const first = figure(COPSE, workload, smallest);
    if (copse === undefined || pool === undefined || first === undefined) continue;
    if (copse.processes === 0 || pool.processes === 0) continue;
    const time = copse.ms / pool.ms;
    const rss = copse.rss / pool.rss;
    const growth = copse.rss / first.rss;
    const speedup =
      pMap !== undefined && pMap.processes > 0
        ? `; ${ratio(pMap.ms / copse.ms)} faster than p-map (target ≥ 2.5×: ` +
          `${pMap.ms / copse.ms >= 2.5 ? "met" : "**missed**"})`
        : "";
    lines.push(
      `- ${workload}, ${count(largest)} items: copse \`forEach\` ${ratio(time)} the pool's time ` +
        `(target ≤ 2×: ${verdict(time, 2)})${speedup}; ${ratio(rss)} its peak RSS ` +
        `(target ≤ 1.5×: ${verdict(rss, 1.5)}); copse's peak RSS ${first.rss.toFixed(0)} MB at ` +
        `${count(smallest)} → ${copse.rss.toFixed(0)} MB at ${count(largest)} (${ratio(growth)})` +
        (copse.stats !== undefined
          ? `; runtime, last run: ${copse.stats.turns} turns, ${copse.stats.microtasks} µtasks, ${copse.stats.yields} yields`
          : ""),
    );
  }
  sections.push(lines.join("\n"));
  return sections.join("\n\n");
}
