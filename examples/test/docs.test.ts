// Every ```ts block of examples/README.md and of the TSDoc comments in src
// runs as a module (see test/doc-blocks.ts at the repository root).
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { docBlocks, runDocBlock } from "../../test/doc-blocks.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const sources = readdirSync(new URL("../src", import.meta.url), {
  recursive: true,
  encoding: "utf8",
})
  .filter((file) => file.endsWith(".ts"))
  .map((file) => `src/${file}`);
const blocks = docBlocks(packageDir, ["README.md", ...sources]);

describe("doc examples run", () => {
  it("finds the examples (README, the crawl's and Happy Eyeballs' TSDoc)", () => {
    const where = new Set(blocks.map((b) => b.where.split(":")[0]));
    for (const file of [
      "README.md",
      "src/crawl/fetch-page.ts",
      "src/crawl/crawl.ts",
      "src/crawl/program.ts",
      "src/happy-eyeballs.ts",
    ]) {
      expect(where, file).toContain(file);
    }
  });

  it.each(blocks.map((block, index) => [block.where, block, index] as const))(
    "%s",
    async (_where, block, index) => {
      await runDocBlock(packageDir, block, index);
    },
  );
});
