/** Runs every hot-path primitive in its own processes (rounds interleaved) and tabulates them. */
import { count, median } from "../lib/stats.js";
import { parseLastJson, runNode } from "../lib/spawn.js";
import { table } from "../lib/table.js";
import { PRIMITIVES } from "./primitives.js";
import type { MicroResult } from "./worker.js";

export interface MicroOptions {
  processes: number;
  ops: number;
  allocOps: number;
  repeat: number;
  log: (line: string) => void;
}

/** Flags of every micro worker: gc() for the heap probe, and a young generation of 64 MB so no scavenge runs inside a probe. */
export const MICRO_NODE_FLAGS = [
  "--expose-gc",
  "--min-semi-space-size=64",
  "--max-semi-space-size=64",
];

export async function runMicro(options: MicroOptions): Promise<string> {
  const results = new Map<string, MicroResult[]>(PRIMITIVES.map((p) => [p.id, []]));
  for (let round = 0; round < options.processes; round++) {
    for (let i = 0; i < PRIMITIVES.length; i++) {
      const primitive = PRIMITIVES[(i + round) % PRIMITIVES.length]!;
      const result = await runNode(
        "micro/worker.js",
        [
          primitive.id,
          `--ops=${options.ops}`,
          `--alloc-ops=${options.allocOps}`,
          `--repeat=${options.repeat}`,
        ],
        { nodeFlags: MICRO_NODE_FLAGS, timeoutMs: 5 * 60_000 },
      );
      results.get(primitive.id)!.push(parseLastJson(`micro worker ${primitive.id}`, result));
    }
    options.log(`micro: round ${round + 1}/${options.processes}`);
  }
  const rows = PRIMITIVES.map((p) => {
    const rs = results.get(p.id)!;
    const perSecond = median(rs.map((r) => r.opsPerSecond));
    const bytes = median(rs.map((r) => r.bytesPerOp).filter(Number.isFinite));
    return [
      p.label,
      `${count(perSecond)}/s`,
      `${(1e9 / perSecond).toFixed(0)} ns`,
      Number.isFinite(bytes) ? `${bytes.toFixed(0)} B` : "n/a (GC in every probe)",
      p.what,
    ];
  });
  return table(["primitive", "ops/s", "time/op", "allocated/op", "one operation is"], rows);
}
