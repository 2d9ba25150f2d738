// Runs every ```ts example of the guide and of the TSDoc comments.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { docBlocks, runDocBlock } from "../../../test/doc-blocks.js";

const dir = fileURLToPath(new URL("..", import.meta.url));
const sources = readdirSync(new URL("../src", import.meta.url), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => `src/${f}`);
const blocks = docBlocks(dir, ["README.md", ...sources]);

describe("documentation examples", () => {
  it("there are examples to run", () => {
    expect(blocks.length).toBeGreaterThan(8);
  });
  it.each(blocks.map((block, i) => [block.where, block, i] as const))(
    "%s",
    async (_where, block, i) => {
      await runDocBlock(dir, block, i);
    },
  );
});
