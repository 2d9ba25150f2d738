/**
 * The bench entry point (`pnpm bench`, `pnpm bench:check`):
 *
 *     node dist/run.js [tree] [heap] [micro] [depth] [sync] [interop] [bounded] [options]
 *
 * With no section named, runs them all and prints one markdown report
 * (also written to bench/results/latest.md unless --out says otherwise).
 *
 * Options: --processes N (async tree, default 3), --slow-processes N
 * (Effection, one run each, default 1), --warmup N (5), --runs N (20),
 * --budget MS (2000: measured runs per process stop after this much),
 * --impls a,b --variants a,b (subsets), --runtime a,b (the runtimes the
 * async tree runs in, one section each: node, node24, bun; default node),
 * --cold-warmup N (1) and --cold-runs N (3): the cold processes the async
 * tree runs next to the warm ones in the same rounds (--no-cold: none),
 * --compare DIR (micro: also measure the build of the worktree DIR, the
 * "before" of a before/after table), --out FILE, and --check: every benchmark at a tiny size, counts
 * verified, nothing timed for real.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, numberOption } from "./lib/args.js";
import { environment } from "./lib/env.js";
import { benchRuntimes } from "./lib/runtimes.js";
import { runNode } from "./lib/spawn.js";
import { ms } from "./lib/stats.js";
import { runAsyncTree } from "./async-tree/runner.js";
import { IMPLS, findImpl, type ImplId } from "./async-tree/registry.js";
import {
  FULL_TREE,
  VARIANTS,
  checkAgainstPython,
  isVariant,
  type Variant,
} from "./async-tree/work.js";
import { runMicro } from "./micro/runner.js";
import { runDepth } from "./depth/runner.js";
import { runSync } from "./sync/runner.js";
import { runInterop } from "./interop/runner.js";
import { runBounded } from "./bounded/runner.js";
import { isWorkload, type Workload } from "./bounded/work.js";

const SECTIONS = ["tree", "heap", "micro", "depth", "sync", "interop", "bounded"] as const;

/** `--compare DIR`: the built packages of the worktree `DIR`, named by its commit. */
function compareBuild(dir: string | undefined): { packages: string; label: string } | undefined {
  if (dir === undefined) return undefined;
  let commit = "?";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    // Not a git worktree: named by its folder only.
  }
  return { packages: join(dir, "packages"), label: `${basename(dir)} (${commit})` };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), [
    "processes",
    "warmup",
    "runs",
    "budget",
    "slow-processes",
    "impls",
    "variants",
    "runtime",
    "out",
    "sizes",
    "workloads",
    "cold-warmup",
    "cold-runs",
    "compare",
  ]);
  const check = args.flags.has("check");
  const unknown = args.positional.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0)
    throw new Error(`unknown section ${unknown.join(", ")}; one of ${SECTIONS.join(", ")}`);
  const sections = args.positional.length > 0 ? args.positional : [...SECTIONS];
  const log = (line: string): void => console.error(line);
  const started = performance.now();
  const out: string[] = [
    check ? "# bench:check (tiny sizes, timings meaningless)" : "# copse benchmarks",
    "",
    environment(),
    "",
    `Command: \`node bench/dist/run.js ${process.argv.slice(2).join(" ")}\``.replace(/ `$/, "`"),
  ];
  const emit = (text: string): void => {
    out.push("", text);
    console.log(text + "\n");
  };
  console.log(out.join("\n") + "\n");

  // The generator port must draw CPython's numbers, or no count below means anything.
  checkAgainstPython();

  if (sections.includes("tree")) {
    const impls = (args.options.get("impls")?.split(",") ?? IMPLS.map((i) => i.id)).map(
      (id) => findImpl(id).id,
    ) as ImplId[];
    const variants = (args.options.get("variants")?.split(",") ?? [...VARIANTS]).map((v) => {
      if (!isVariant(v)) throw new Error(`unknown variant ${v}`);
      return v;
    }) as Variant[];
    const shape = check ? { levels: 3, branches: 6, sleepMs: 5 } : FULL_TREE;
    for (const runtime of benchRuntimes(args.options.get("runtime"))) {
      const report = await runAsyncTree({
        shape,
        processes: check ? 1 : numberOption(args, "processes", 3),
        slowProcesses: check ? 1 : numberOption(args, "slow-processes", 1),
        warmup: check ? 0 : numberOption(args, "warmup", 5),
        runs: check ? 1 : numberOption(args, "runs", 20),
        budgetMs: numberOption(args, "budget", 2000),
        // Not under --check: its runs are cold already.
        cold:
          check || args.flags.has("no-cold")
            ? null
            : {
                warmup: numberOption(args, "cold-warmup", 1),
                runs: numberOption(args, "cold-runs", 3),
              },
        impls,
        variants,
        runtime,
        log,
      });
      emit(
        `## async_tree on ${runtime.label} (${shape.levels} levels × ${shape.branches} branches, ${shape.sleepMs} ms I/O)\n\n` +
          report.markdown,
      );
    }
  }
  if (sections.includes("heap")) {
    const result = await runNode("async-tree/heap.js", check ? ["--tiny"] : [], {
      nodeFlags: ["--expose-gc"],
      timeoutMs: 5 * 60_000,
    });
    if (result.code !== 0) throw new Error(`async-tree/heap.js failed:\n${result.stderr}`);
    emit(
      "## Heap held while the `io` tree sleeps\n\n" +
        "After a full GC, with every leaf asleep; the inner nodes' share is included.\n\n" +
        result.stdout.trim(),
    );
  }
  if (sections.includes("micro")) {
    const micro = await runMicro({
      processes: check ? 1 : 3,
      ops: check ? 2000 : 200_000,
      allocOps: check ? 1000 : 100_000,
      repeat: check ? 1 : 5,
      compare: compareBuild(args.options.get("compare")),
      log,
    });
    emit(`## Hot path, one primitive per process\n\n${micro}`);
  }
  if (sections.includes("depth")) {
    const depth = await runDepth({
      sizes: check ? [10, 100] : [1000, 3000, 10_000, 30_000, 100_000],
      maxMs: check ? 20_000 : 30_000,
      repeat: check ? 1 : 3,
      nestLimit: check ? 1000 : 1_000_000,
      resumeDepths: check ? [1, 10] : [1, 10, 100, 1000, 4000],
      resumes: check ? 100 : 20_000,
      strict: check,
      log,
    });
    emit(`## Depth\n\n${depth}`);
  }
  if (sections.includes("sync")) {
    const sync = await runSync({
      processes: check ? 1 : numberOption(args, "processes", 3),
      n: check ? 2000 : 1_000_000,
      slowN: check ? 200 : 100_000,
      warmup: check ? 0 : numberOption(args, "warmup", 5),
      runs: check ? 1 : numberOption(args, "runs", 20),
      budgetMs: numberOption(args, "budget", 2000),
      log,
    });
    emit(`## Synchronization and channels\n\n${sync}`);
  }
  if (sections.includes("interop")) {
    const interop = await runInterop({
      n: check ? 50 : 10_000,
      processes: check ? 1 : numberOption(args, "processes", 3),
      warmup: check ? 0 : numberOption(args, "warmup", 5),
      runs: check ? 1 : numberOption(args, "runs", 20),
      log,
    });
    emit(`## Interop: copse ⇄ Effect through \`@copse/effect\`\n\n${interop}`);
  }
  if (sections.includes("bounded")) {
    const sizes = (args.options.get("sizes")?.split(",") ?? ["1e5", "1e6", "1e7"]).map(Number);
    const workloads = args.options
      .get("workloads")
      ?.split(",")
      .map((w) => {
        if (!isWorkload(w)) throw new Error(`unknown workload ${w}`);
        return w;
      }) as Workload[] | undefined;
    const bounded = await runBounded({
      sizes: check ? [3000] : sizes,
      processes: check ? 1 : numberOption(args, "processes", 3),
      impls: args.options.get("impls")?.split(","),
      workloads,
      timeoutMs: check ? 60_000 : 300_000,
      verify: check,
      log,
    });
    emit(`## Bounded concurrency over a lazy source\n\n${bounded}`);
  }
  log(`done in ${ms(performance.now() - started)}`);
  if (!check) {
    const file =
      args.options.get("out") ?? fileURLToPath(new URL("../results/latest.md", import.meta.url));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, out.join("\n") + "\n");
    log(`report written to ${file}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
