#!/usr/bin/env node
// The layers of @copse/core, checked: a module may import values only from
// its own layer or a lower one, and value imports form no cycle. Type-only
// imports (`import type`, or braces holding only `type` names) are free:
// they vanish at compile time.
//
//   node scripts/check-layers.mjs        checks packages/core/src, exits 1 on a violation
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Layer of each top folder of packages/core/src, lowest first; files at the top are the entries. */
export const CORE_LAYERS = {
  kernel: 0,
  primitives: 1,
  sync: 2,
  channel: 3,
  combinators: 4,
  ".": 5,
};

const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?([\s\S]*?)\s*from\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']/g;

/** The relative modules `source` imports values from (specifiers as written). */
export function valueImports(source) {
  const found = [];
  for (const m of source.matchAll(IMPORT)) {
    if (m[5] !== undefined) {
      found.push(m[5]); // a bare `import "x"` runs the module
      continue;
    }
    if (m[2] !== undefined) continue; // import type / export type
    const clause = m[3];
    const braces = /^\{([\s\S]*)\}$/.exec(clause.trim());
    if (braces !== null) {
      const names = braces[1]
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      if (names.length > 0 && names.every((n) => n.startsWith("type "))) continue;
    }
    found.push(m[4]);
  }
  return found.filter((s) => s.startsWith("."));
}

function layerOf(file, layers) {
  const top = file.includes("/") ? file.slice(0, file.indexOf("/")) : ".";
  return layers[top];
}

/**
 * Checks a module graph. `files` maps a path from the source root
 * ("kernel/task.ts") to its text. Returns the violations as messages.
 */
export function checkLayers(files, layers = CORE_LAYERS) {
  const problems = [];
  const graph = new Map();
  for (const [file, source] of Object.entries(files)) {
    const layer = layerOf(file, layers);
    if (layer === undefined) {
      problems.push(`${file}: its folder is not a known layer (${Object.keys(layers).join(", ")})`);
      continue;
    }
    const edges = [];
    for (const specifier of valueImports(source)) {
      const target = posix
        .normalize(posix.join(posix.dirname(file), specifier))
        .replace(/\.js$/, ".ts");
      edges.push(target);
      const targetLayer = layerOf(target, layers);
      if (targetLayer !== undefined && targetLayer > layer) {
        problems.push(
          `${file} imports ${target}: a value import from a lower layer (${layerName(layer, layers)}) to a higher one (${layerName(targetLayer, layers)})`,
        );
      }
    }
    graph.set(file, edges);
  }
  for (const cycle of cycles(graph)) problems.push(`import cycle: ${cycle.join(" -> ")}`);
  return problems;
}

function layerName(layer, layers) {
  return Object.keys(layers).find((k) => layers[k] === layer);
}

/** Every cycle found by a depth-first walk (one per back edge). */
function cycles(graph) {
  const found = [];
  const state = new Map(); // 1: on the stack, 2: done
  const stack = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 1) found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of graph.keys()) if (state.get(node) === undefined) visit(node);
  return found;
}

/** Reads every `.ts` file below `dir`, keyed by its path from `dir`. */
export function readSources(dir) {
  const files = {};
  for (const entry of readdirSync(dir, { recursive: true })) {
    const path = String(entry).split("\\").join("/");
    if (path.endsWith(".ts")) files[path] = readFileSync(join(dir, path), "utf8");
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const dir = join(root, "packages/core/src");
  const files = readSources(dir);
  const problems = checkLayers(files);
  if (problems.length > 0) {
    console.error(`layer check of ${relative(root, dir)} failed:\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log(
    `layer check: ${Object.keys(files).length} modules of @copse/core, no upward import, no cycle`,
  );
}
