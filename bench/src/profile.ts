/**
 * Profiles one async-tree cell and prints where the time went:
 *
 *     node dist/profile.js <impl> <variant> [--runs 20] [--top 25] [--gc]
 *
 * Runs the worker under `node --cpu-prof` and sums the samples of the
 * profile per function (self time) and per function including callees
 * (total time, each function counted once per sample), over the whole
 * process (warm-up included). With `--gc`, runs it once more under
 * `--trace-gc` and sums the pauses per kind of collection, next to the
 * time of the runs.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { numberOption, parseArgs } from "./lib/args.js";
import { runNode } from "./lib/spawn.js";
import { table } from "./lib/table.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(packages|bench|node_modules)\//, "$1/");
  return `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim();
}

export function summarize(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    all += dt;
    const leaf = byId.get(id)!;
    self.set(where(leaf), (self.get(where(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const name = where(byId.get(n)!);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + dt);
    }
  });
  const rows = (m: Map<string, number>): string[][] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, t]) => [
        name,
        `${(t / 1000).toFixed(1)} ms`,
        `${((100 * t) / all).toFixed(1)} %`,
      ]);
  return [
    `${(all / 1000).toFixed(0)} ms sampled`,
    "",
    "self time:",
    table(["function", "self", "share"], rows(self)),
    "",
    "total time (with callees):",
    table(["function", "total", "share"], rows(total)),
  ].join("\n");
}

/** The pauses of a `--trace-gc` log, per kind of collection: count and total ms. */
export function gcPauses(log: string): Map<string, { count: number; ms: number }> {
  const kinds = new Map<string, { count: number; ms: number }>();
  // e.g. "[pid:0x..]   673 ms: Scavenge 70.1 (89.4) -> 69.0 (98.9) MB, 21.84 / 0.00 ms ..."
  for (const match of log.matchAll(/ms: ([A-Za-z-]+) [^,]*MB, ([\d.]+) \/ [\d.]+ ms/g)) {
    const kind = kinds.get(match[1]!) ?? { count: 0, ms: 0 };
    kind.count++;
    kind.ms += Number(match[2]);
    kinds.set(match[1]!, kind);
  }
  return kinds;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ["runs", "top", "warmup"]);
  const [impl, variant] = args.positional;
  if (impl === undefined || variant === undefined) {
    throw new Error("usage: profile.js <impl> <variant> [--runs 20] [--top 25]");
  }
  const dir = mkdtempSync(join(tmpdir(), "copse-prof-"));
  try {
    const workerArgs = [
      impl,
      variant,
      `--runs=${numberOption(args, "runs", 20)}`,
      `--warmup=${numberOption(args, "warmup", 2)}`,
      "--budget=1e9",
    ];
    const result = await runNode("async-tree/worker.js", workerArgs, {
      nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
    });
    if (result.code !== 0) throw new Error(result.stderr);
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (file === undefined) throw new Error("no profile written");
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;
    console.log(summarize(profile, numberOption(args, "top", 25)));
    if (args.flags.has("gc")) {
      const traced = await runNode("async-tree/worker.js", workerArgs, {
        nodeFlags: ["--trace-gc"],
      });
      if (traced.code !== 0) throw new Error(traced.stderr);
      const lines = traced.stdout.trim().split("\n");
      const result = JSON.parse(lines[lines.length - 1]!) as { warmup: number[]; times: number[] };
      const wall = [...result.warmup, ...result.times].reduce((a, b) => a + b, 0);
      const rows = [...gcPauses(traced.stdout)].map(([kind, { count, ms }]) => [
        kind,
        String(count),
        `${ms.toFixed(1)} ms`,
        `${((100 * ms) / wall).toFixed(1)} %`,
      ]);
      console.log(
        `\n--trace-gc, a second process: pauses against ${wall.toFixed(0)} ms of runs (warm-up included)\n\n` +
          table(["collection", "count", "pause", "share of the runs"], rows),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
