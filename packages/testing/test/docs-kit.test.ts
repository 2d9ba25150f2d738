import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { docBlocks, runDocBlock } from "../../../test/doc-blocks.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const blocks = docBlocks(packageDir, [
  "docs/kit.md",
  "src/safety/check.ts",
  "src/schedule/schedule.ts",
  "src/schedule/run.ts",
  "src/schedule/explore.ts",
  "src/schedule/property.ts",
]);

describe("docs/kit.md and the kit's TSDoc examples run", () => {
  test("there are examples", () => expect(blocks.length).toBeGreaterThan(10));
  blocks.forEach((block, index) => {
    test(block.where, async () => {
      await runDocBlock(packageDir, block, index);
      expect(block.code).toContain("@copse/testing");
    });
  });
});
