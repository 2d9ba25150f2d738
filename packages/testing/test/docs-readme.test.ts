import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { docBlocks, runDocBlock } from "../../../test/doc-blocks.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const blocks = docBlocks(packageDir, ["README.md", "src/virtual-clock.ts"]);

describe("README examples run", () => {
  test("there are examples", () => expect(blocks.length).toBeGreaterThanOrEqual(4));
  blocks.forEach((block, index) => {
    test(block.where, async () => {
      await runDocBlock(packageDir, block, index);
    });
  });
});
