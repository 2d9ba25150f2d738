import { expect } from "vitest";
import { describeDocBlocks } from "./doc-suite.js";

describeDocBlocks("README examples run", ["README.md", "src/virtual-clock.ts"], {
  enough: (blocks) => expect(blocks.length).toBeGreaterThanOrEqual(4),
  importsKit: false,
});
