/**
 * One primitive per process:
 *
 *     node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64 \
 *       dist/micro/worker.js <primitive> [--ops 200000] [--alloc-ops 100000] [--repeat 5]
 *       [--packages DIR]
 *
 * Speed: `repeat` timed batches of `ops` operations after a warm-up; the
 * median batch gives operations per second. Allocation: after a full GC,
 * the growth of the used heap over `alloc-ops` operations, with a young
 * generation large enough that no GC runs in between (checked with
 * v8.GCProfiler; the batch is halved and retried if one did).
 *
 * `--packages DIR` measures another build of copse: `DIR/core/dist` and
 * `DIR/timeout/dist` (the `packages` folder of another worktree, built)
 * instead of the ones this bench resolves.
 */
import v8 from "node:v8";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { numberOption, parseArgs } from "../lib/args.js";
import { requireGc } from "../lib/gc.js";
import { median } from "../lib/stats.js";
import {
  PRIMITIVE_IDS,
  primitives,
  type Libraries,
  type Marks,
  type Primitive,
} from "./primitives.js";

export interface MicroResult {
  id: string;
  opsPerSecond: number;
  bytesPerOp: number;
  allocOps: number;
}

class Timer implements Marks {
  startedAt = 0;
  elapsed = NaN;
  start(): void {
    this.startedAt = performance.now();
  }
  stop(): void {
    this.elapsed = performance.now() - this.startedAt;
  }
}

class HeapProbe implements Marks {
  private readonly gc = requireGc();
  private profiler: v8.GCProfiler | null = null;
  private before = 0;
  bytes = NaN;
  collected = false;
  start(): void {
    this.gc();
    this.gc();
    this.profiler = new v8.GCProfiler();
    this.profiler.start();
    this.before = v8.getHeapStatistics().used_heap_size;
  }
  stop(): void {
    const after = v8.getHeapStatistics().used_heap_size;
    const stats = this.profiler!.stop();
    this.collected = stats.statistics.length > 0;
    this.bytes = after - this.before;
  }
}

/** The copse packages to measure: this bench's, or those under `dir`. */
async function loadLibraries(dir: string | undefined): Promise<Libraries> {
  if (dir === undefined) {
    return { core: await import("@copse/core"), timeout: await import("@copse/timeout") };
  }
  const at = (name: string): string => pathToFileURL(join(dir, name, "dist/index.js")).href;
  return {
    core: (await import(at("core"))) as Libraries["core"],
    timeout: (await import(at("timeout"))) as Libraries["timeout"],
  };
}

async function once(
  run: Libraries["core"]["run"],
  primitive: Primitive,
  ops: number,
  marks: Marks,
): Promise<void> {
  if (primitive.copse !== undefined) {
    const body = primitive.copse;
    const task = run(() => body(ops, marks));
    if (!task.done) await task;
    else if (task.outcome!.status !== "ok") await task; // rethrows
  } else {
    await primitive.async!(ops, marks);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ["ops", "alloc-ops", "repeat", "packages"]);
  const id = args.positional[0];
  const libraries = await loadLibraries(args.options.get("packages"));
  const primitive = primitives(libraries).find((p) => p.id === id);
  if (primitive === undefined) {
    throw new Error(`usage: worker.js <${PRIMITIVE_IDS.join("|")}> [options]`);
  }
  const run = libraries.core.run;
  const ops = numberOption(args, "ops", 200_000);
  let allocOps = numberOption(args, "alloc-ops", 100_000);
  const repeat = numberOption(args, "repeat", 5);

  // Warm-up, then timed batches.
  for (let i = 0; i < 3; i++)
    await once(run, primitive, Math.max(1, Math.floor(ops / 4)), new Timer());
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const timer = new Timer();
    await once(run, primitive, ops, timer);
    times.push(timer.elapsed);
  }
  const opsPerSecond = ops / (median(times) / 1000);

  let bytesPerOp = NaN;
  for (; allocOps >= 100; allocOps = Math.floor(allocOps / 2)) {
    const probe = new HeapProbe();
    await once(run, primitive, allocOps, probe);
    if (!probe.collected) {
      bytesPerOp = probe.bytes / allocOps;
      break;
    }
  }
  const result: MicroResult = { id: primitive.id, opsPerSecond, bytesPerOp, allocOps };
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
