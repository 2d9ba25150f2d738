/**
 * Runs every hot-path primitive in its own processes (rounds interleaved)
 * and tabulates them; with `compare`, every primitive also runs on another
 * build of copse in the same rounds, and a table of bytes allocated per
 * task, nursery, scope, timeout and join puts the two side by side.
 */
import { count, median } from "../lib/stats.js";
import { parseLastJson, runNode } from "../lib/spawn.js";
import { table } from "../lib/table.js";
import { PRIMITIVE_IDS, primitives } from "./primitives.js";
import type { MicroResult } from "./worker.js";

export interface MicroOptions {
  processes: number;
  ops: number;
  allocOps: number;
  repeat: number;
  /** Another build to measure next to this one: its `packages` folder and a name for it. */
  compare?: { packages: string; label: string } | undefined;
  log: (line: string) => void;
}

/** Flags of every micro worker: gc() for the heap probe, and a young generation of 64 MB so no scavenge runs inside a probe. */
export const MICRO_NODE_FLAGS = [
  "--expose-gc",
  "--min-semi-space-size=64",
  "--max-semi-space-size=64",
];

type Id = (typeof PRIMITIVE_IDS)[number];

/** The rows of the bytes table: what one object costs, from which entries. */
const BYTES_ROWS: { what: string; bytes: (b: (id: Id) => number) => number; how: string }[] = [
  { what: "task, eager (`startTask`)", bytes: (b) => b("start-eager"), how: "`start-eager`" },
  {
    what: "task, lazy (`startSoon`)",
    bytes: (b) => b("start-lazy"),
    how: "`start-lazy` (includes 1/100 of a nursery)",
  },
  { what: "nursery", bytes: (b) => b("nursery-empty"), how: "`nursery-empty`" },
  { what: "CancelScope", bytes: (b) => b("cancel-scope"), how: "`cancel-scope`" },
  { what: "timeout, `moveOnAfter`", bytes: (b) => b("move-on-after"), how: "`move-on-after`" },
  { what: "timeout, `failAfter`", bytes: (b) => b("fail-after"), how: "`fail-after`" },
  {
    what: "join (waiting)",
    bytes: (b) => b("join-wait") - b("start-checkpoint"),
    how: "`join-wait` − `start-checkpoint`",
  },
];

export async function runMicro(options: MicroOptions): Promise<string> {
  const builds: { label: string; packages: string | undefined }[] = [
    ...(options.compare === undefined
      ? []
      : [{ label: options.compare.label, packages: options.compare.packages }]),
    { label: "this build", packages: undefined },
  ];
  // results[build][id]
  const results = builds.map(
    () => new Map<string, MicroResult[]>(PRIMITIVE_IDS.map((id) => [id, []])),
  );
  for (let round = 0; round < options.processes; round++) {
    for (let i = 0; i < PRIMITIVE_IDS.length; i++) {
      const id = PRIMITIVE_IDS[(i + round) % PRIMITIVE_IDS.length]!;
      for (let b = 0; b < builds.length; b++) {
        // Alternate which build goes first, round by round.
        const build = (b + round) % builds.length;
        const packages = builds[build]!.packages;
        const result = await runNode(
          "micro/worker.js",
          [
            id,
            `--ops=${options.ops}`,
            `--alloc-ops=${options.allocOps}`,
            `--repeat=${options.repeat}`,
            ...(packages === undefined ? [] : [`--packages=${packages}`]),
          ],
          { nodeFlags: MICRO_NODE_FLAGS, timeoutMs: 5 * 60_000 },
        );
        results[build]!.get(id)!.push(parseLastJson(`micro worker ${id}`, result));
      }
    }
    options.log(`micro: round ${round + 1}/${options.processes}`);
  }
  const labels = primitives({
    core: await import("@copse/core"),
    timeout: await import("@copse/timeout"),
  });
  const speed = (build: number, id: string): number =>
    median(results[build]!.get(id)!.map((r) => r.opsPerSecond));
  const bytes = (build: number, id: string): number =>
    median(
      results[build]!.get(id)!
        .map((r) => r.bytesPerOp)
        .filter(Number.isFinite),
    );
  const last = builds.length - 1;
  const B = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(0)} B` : "n/a");
  const rows = labels.map((p) => {
    const perSecond = speed(last, p.id);
    const allocated = bytes(last, p.id);
    const before = last === 0 ? [] : [`${(1e9 / speed(0, p.id)).toFixed(0)} ns`, B(bytes(0, p.id))];
    return [
      p.label,
      `${count(perSecond)}/s`,
      `${(1e9 / perSecond).toFixed(0)} ns`,
      Number.isFinite(allocated) ? `${allocated.toFixed(0)} B` : "n/a (GC in every probe)",
      ...before,
      p.what,
    ];
  });
  const sections = [
    table(
      [
        "primitive",
        "ops/s",
        "time/op",
        "allocated/op",
        ...(last === 0
          ? []
          : [`time/op, ${builds[0]!.label}`, `allocated/op, ${builds[0]!.label}`]),
        "one operation is",
      ],
      rows,
    ),
  ];
  sections.push(
    table(
      ["bytes allocated per", ...(last === 0 ? [] : [builds[0]!.label]), "this build", "from"],
      BYTES_ROWS.map((row) => [
        row.what,
        ...(last === 0 ? [] : [B(row.bytes((id) => bytes(0, id)))]),
        B(row.bytes((id) => bytes(last, id))),
        row.how,
      ]),
    ),
  );
  return sections.join("\n\n");
}
