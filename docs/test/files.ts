// Walks the repository for the docs tests: Markdown pages under docs/ and
// test files everywhere, skipping installed and generated folders.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const docsDir = fileURLToPath(new URL("..", import.meta.url));
export const repoDir = fileURLToPath(new URL("../..", import.meta.url));

const SKIP = new Set(["node_modules", "dist", ".doc-blocks", ".git", "api", "coverage"]);

/** Paths (relative to `root`) of the files under `root` whose name ends with `suffix`. */
export function filesUnder(root: string, suffix: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.name.endsWith(suffix)) {
        out.push(relative(root, join(dir, entry.name)));
      }
    }
  };
  walk(root);
  return out.sort();
}
