/**
 * The runtimes a bench worker can run in: `node` (the one running the
 * bench), and the pinned `node24` and `bun` of scripts/runtimes (their
 * binaries ship in registry packages; see scripts/runtimes/binaries.mjs).
 */
import { pinnedBinary, versionOf } from "@copse/runtimes/binaries";

export const BENCH_RUNTIMES = ["node", "node24", "bun"] as const;
export type BenchRuntimeId = (typeof BENCH_RUNTIMES)[number];

export interface BenchRuntime {
  id: BenchRuntimeId;
  /** For reports: name and version, e.g. "Bun 1.4.5". */
  label: string;
  /** The executable that runs a worker script. */
  executable: string;
}

export function isBenchRuntime(id: string): id is BenchRuntimeId {
  return (BENCH_RUNTIMES as readonly string[]).includes(id);
}

export function benchRuntime(id: BenchRuntimeId): BenchRuntime {
  if (id === "node") {
    return { id, label: `Node ${process.versions.node}`, executable: process.execPath };
  }
  const executable = pinnedBinary(id);
  const name = id === "bun" ? "Bun" : "Node";
  return { id, label: `${name} ${versionOf(executable)}`, executable };
}

/** The runtimes named by `--runtime a,b` (default: this node). */
export function benchRuntimes(option: string | undefined): BenchRuntime[] {
  return (option?.split(",") ?? ["node"]).map((id) => {
    if (!isBenchRuntime(id)) {
      throw new Error(`unknown runtime ${id}; one of ${BENCH_RUNTIMES.join(", ")}`);
    }
    return benchRuntime(id);
  });
}
