// Every ```ts block of the README and of the TSDoc comments in src runs as
// a module (see test/doc-blocks.ts at the repository root), so the guide
// and the examples cannot drift from the code.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { docBlocks, runDocBlock } from "../../../test/doc-blocks.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const blocks = docBlocks(packageDir, [
  "README.md",
  "src/run-effect.ts",
  "src/from-operation.ts",
  "src/effect-failure.ts",
]);

describe("doc examples run", () => {
  it("finds the examples (README and every export's TSDoc)", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  it.each(blocks.map((block, index) => [block.where, block, index] as const))(
    "%s",
    async (_where, block, index) => {
      await runDocBlock(packageDir, block, index);
    },
  );
});
