// The shared scaffolding of the docs tests: every runnable ```ts block of
// some files becomes a test that imports it as a module.
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { docBlocks, runDocBlock, type DocBlock } from "../../../test/doc-blocks.js";

/** This package's directory. */
export const packageDir = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs the blocks of `files` (relative to the package) as tests under
 * `title`, after `enough`, a test that there are the blocks there should
 * be. With `importsKit`, each block must import `@copse/testing`.
 */
export function describeDocBlocks(
  title: string,
  files: readonly string[],
  options: { readonly enough: (blocks: readonly DocBlock[]) => void; readonly importsKit: boolean },
): void {
  const blocks = docBlocks(packageDir, files);
  describe(title, () => {
    test("there are examples", () => options.enough(blocks));
    blocks.forEach((block, index) => {
      test(block.where, async () => {
        await runDocBlock(packageDir, block, index);
        if (options.importsKit) expect(block.code).toContain("@copse/testing");
      });
    });
  });
}
