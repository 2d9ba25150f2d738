import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { docBlocks, runDocBlock } from "../../../test/doc-blocks.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const sources = readdirSync(join(packageDir, "src", "program"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => `src/program/${f}`);
const blocks = docBlocks(packageDir, ["docs/programs.md", ...sources]);

describe("the examples of docs/programs.md and of the program kit's TSDoc run", () => {
  test("there are examples in the guide and in the TSDoc", () => {
    expect(blocks.some((b) => b.where.startsWith("docs/"))).toBe(true);
    expect(blocks.filter((b) => b.where.startsWith("src/")).length).toBeGreaterThanOrEqual(4);
  });
  blocks.forEach((block, index) => {
    test(block.where, async () => {
      await runDocBlock(packageDir, block, index);
      expect(block.code).toContain("@copse/testing");
    });
  });
});
