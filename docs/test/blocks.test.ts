// Runs every ```ts block of the pages under docs/ (the coming-from guides,
// the model, the catalogue's examples) as a module, so the docs cannot rot.
import { describe, expect, it } from "vitest";
import { docBlocks, runDocBlock } from "../../test/doc-blocks.js";
import { docsDir, filesUnder } from "./files.js";

const pages = filesUnder(docsDir, ".md");
const blocks = docBlocks(docsDir, pages);

describe("docs examples", () => {
  it("every coming-from guide has copse code to run", () => {
    const guides = pages.filter((p) => p.startsWith("coming-from/"));
    expect(guides.length).toBeGreaterThanOrEqual(5);
    for (const guide of guides) {
      expect(
        blocks.some((b) => b.where.startsWith(`${guide}:`)),
        guide,
      ).toBe(true);
    }
  });
  it.each(blocks.map((block, i) => [block.where, block, i] as const))(
    "%s",
    async (_where, block, i) => {
      await runDocBlock(docsDir, block, i);
    },
  );
});
