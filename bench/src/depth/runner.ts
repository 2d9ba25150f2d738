/**
 * The depth benchmarks: chains of N nested tasks (each size in its own
 * process; a library that crashes is bisected to the size it survives, one
 * whose growth predicts more than the time limit is not run at the next
 * size), the deepest plain `yield*` nesting, and the cost of a resume at
 * depth.
 */
import { ms, median } from "../lib/stats.js";
import { parseLastJson, runNode, type ProcessResult } from "../lib/spawn.js";
import { table } from "../lib/table.js";
import { CHAINS } from "./chains.js";
import { NESTS } from "./nesting.js";
import type { DepthResult } from "./worker.js";

export interface DepthOptions {
  sizes: readonly number[];
  /** A chain measurement that would take longer than this is not run. */
  maxMs: number;
  /** Repetitions (separate processes) of every chain measurement that takes under 5 s. */
  repeat: number;
  nestLimit: number;
  resumeDepths: readonly number[];
  resumes: number;
  /** Fail on any error of the benchmarked code (bench:check: tiny sizes must all work). */
  strict: boolean;
  log: (line: string) => void;
}

interface Outcome {
  ok: boolean;
  result?: DepthResult;
  failure?: string;
}

function outcomeOf(what: string, process: ProcessResult): Outcome {
  if (process.timedOut) return { ok: false, failure: `timed out after ${ms(process.ms)}` };
  if (process.code !== 0) {
    const line = process.stderr
      .split("\n")
      .find((l) => /Error|FATAL|heap/i.test(l) && !l.trimStart().startsWith("at "));
    return {
      ok: false,
      failure: `process crashed (${process.code ?? process.signal}): ${line?.trim() ?? "no message"}`,
    };
  }
  const result = parseLastJson<DepthResult>(what, process);
  if (result.error !== undefined) return { ok: false, result, failure: result.error };
  return { ok: true, result };
}

async function measureChain(impl: string, n: number, timeoutMs: number): Promise<Outcome> {
  const process = await runNode("depth/worker.js", ["chain", impl, String(n)], {
    nodeFlags: ["--expose-gc"],
    timeoutMs,
  });
  return outcomeOf(`depth chain ${impl} ${n}`, process);
}

export async function runDepth(options: DepthOptions): Promise<string> {
  const sections: string[] = [];
  const header = [
    "chain of N nested tasks",
    ...options.sizes.map((n) => `N = ${n}`),
    "bytes/level",
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const [impl, { label }] of Object.entries(CHAINS)) {
    const cells: string[] = [];
    let last: { n: number; ms: number } | undefined;
    let exponent = 2;
    let stopped: string | undefined;
    let bytes = NaN;
    for (const n of options.sizes) {
      if (stopped !== undefined) {
        cells.push(stopped);
        continue;
      }
      if (last !== undefined) {
        // Assume at least quadratic growth: a wrong guess costs a long run, not a wrong number.
        const predicted = last.ms * (n / last.n) ** Math.max(2, exponent);
        if (predicted > options.maxMs) {
          stopped = "not run";
          cells.push(`not run (≈ ${ms(predicted)} predicted)`);
          continue;
        }
      }
      const times: number[] = [];
      let failure: string | undefined;
      for (let r = 0; r < options.repeat; r++) {
        const outcome = await measureChain(impl, n, options.maxMs * 2);
        if (!outcome.ok) {
          failure = outcome.failure;
          break;
        }
        times.push(outcome.result!.ms!);
        bytes = outcome.result!.bytesPerLevel!;
        if (outcome.result!.ms! > 5000) break;
      }
      if (failure !== undefined) {
        if (options.strict) throw new Error(`${label} failed at N = ${n}: ${failure}`);
        const survives = failure.startsWith("timed out")
          ? ""
          : await bisectSurvival(impl, last?.n ?? 0, n, options);
        cells.push(
          failure.startsWith("timed out")
            ? `timed out (> ${ms(options.maxMs * 2)})`
            : `**fails**${survives}`,
        );
        notes.push(`${label}, N = ${n}: ${failure}`);
        stopped = "not run";
        continue;
      }
      const t = median(times);
      if (last !== undefined) exponent = Math.log(t / last.ms) / Math.log(n / last.n);
      // The local growth exponent: time ∝ N^k between this size and the last (k = 1: linear).
      cells.push(
        `${ms(t)} (${((t * 1000) / n).toFixed(2)} µs/level${last === undefined ? "" : `, N^${exponent.toFixed(2)}`})`,
      );
      last = { n, ms: t };
      options.log(`depth: ${impl} N = ${n}: ${ms(t)}`);
    }
    rows.push([label, ...cells, Number.isFinite(bytes) ? `${bytes.toFixed(0)} B` : "—"]);
  }
  sections.push(table(header, rows));
  if (notes.length > 0) sections.push(notes.map((n) => `- ${n}`).join("\n"));

  // Plain yield* nesting: how deep, and what a resume costs at depth.
  const maxRows: string[][] = [];
  const maxDepth = new Map<string, number>();
  for (const [impl, { label }] of Object.entries(NESTS)) {
    const process = await runNode(
      "depth/worker.js",
      ["nest-max", impl, `--limit=${options.nestLimit}`],
      { nodeFlags: ["--expose-gc"], timeoutMs: 5 * 60_000 },
    );
    const outcome = outcomeOf(`depth nest-max ${impl}`, process);
    const depth = outcome.result?.maxDepth;
    if (depth !== undefined) maxDepth.set(impl, depth);
    if (options.strict && depth === undefined) throw new Error(`${label}: ${outcome.failure}`);
    maxRows.push([
      label,
      depth === undefined
        ? "—"
        : outcome.result?.capped === true
          ? `≥ ${depth} (search limit)`
          : String(depth),
      outcome.result?.error ?? outcome.failure ?? "",
    ]);
    options.log(`depth: nest-max ${impl}: ${depth}`);
  }
  sections.push(
    table(["nesting through plain `yield*`", "deepest that runs", "beyond it"], maxRows),
  );

  const resumeHeader = ["depth", ...Object.values(NESTS).map((n) => n.label)];
  const resumeRows: string[][] = [];
  for (const depth of options.resumeDepths) {
    const cells: string[] = [];
    for (const impl of Object.keys(NESTS)) {
      if (depth > (maxDepth.get(impl) ?? Infinity)) {
        cells.push("beyond the stack");
        continue;
      }
      const resumes = Math.max(
        200,
        Math.min(options.resumes, Math.floor((options.resumes * 10) / (depth + 1))),
      );
      const process = await runNode(
        "depth/worker.js",
        ["resume", impl, String(depth), `--resumes=${resumes}`],
        { nodeFlags: ["--expose-gc"], timeoutMs: 5 * 60_000 },
      );
      const outcome = outcomeOf(`depth resume ${impl} ${depth}`, process);
      if (options.strict && !outcome.ok) throw new Error(`${impl} resume: ${outcome.failure}`);
      cells.push(
        outcome.ok
          ? `${(outcome.result!.nsPerResume! / 1000).toFixed(2)} µs`
          : `fails: ${outcome.failure}`,
      );
    }
    resumeRows.push([String(depth), ...cells]);
    options.log(`depth: resume at ${depth}`);
  }
  sections.push(table(resumeHeader, resumeRows));
  return sections.join("\n\n");
}

/** The largest size in (ok, bad) that still works, to about 5 %, as words for the table. */
async function bisectSurvival(
  impl: string,
  ok: number,
  bad: number,
  options: DepthOptions,
): Promise<string> {
  let lo = ok;
  let hi = bad;
  for (let probes = 0; probes < 8 && hi - lo > Math.max(1, lo / 20); probes++) {
    const mid = Math.floor((lo + hi) / 2);
    const outcome = await measureChain(impl, mid, options.maxMs * 2);
    if (outcome.ok) lo = mid;
    else hi = mid;
  }
  return lo > 0 ? ` (survives N = ${lo}, fails at ${hi})` : "";
}
