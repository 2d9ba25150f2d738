// Runs every ```ts block of the pages under docs/ (the coming-from guides,
// the model, cancellation) and of the root README as a module, so the docs
// cannot rot.
import { describe, expect, it } from "vitest";
import { docBlocks, runDocBlock } from "../../test/doc-blocks.js";
import { docsDir, filesUnder, repoDir } from "./files.js";

const pages = filesUnder(docsDir, ".md");
// The root README's example runs here too: this project depends on every
// package, so the block's imports resolve from docs/.
const readme = docBlocks(repoDir, ["README.md"]).map((b) => ({ ...b, where: `../${b.where}` }));
const blocks = [...docBlocks(docsDir, pages), ...readme];

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
  it("the root README's first example runs", () => {
    expect(readme.length).toBeGreaterThanOrEqual(1);
  });
  it.each(blocks.map((block, i) => [block.where, block, i] as const))(
    "%s",
    async (_where, block, i) => {
      await runDocBlock(docsDir, block, i);
    },
  );
});
