import { expect } from "vitest";
import { describeDocBlocks } from "./doc-suite.js";

describeDocBlocks(
  "docs/kit.md and the kit's TSDoc examples run",
  [
    "docs/kit.md",
    "src/safety/check.ts",
    "src/schedule/schedule.ts",
    "src/schedule/run.ts",
    "src/schedule/explore.ts",
    "src/schedule/property.ts",
  ],
  { enough: (blocks) => expect(blocks.length).toBeGreaterThan(10), importsKit: true },
);
