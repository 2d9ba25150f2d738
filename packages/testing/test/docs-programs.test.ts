import { readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { describeDocBlocks, packageDir } from "./doc-suite.js";

const sources = ["src/program", "src/program/statements"].flatMap((dir) =>
  readdirSync(join(packageDir, dir))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `${dir}/${f}`),
);

describeDocBlocks(
  "the examples of docs/programs.md and of the program kit's TSDoc run",
  ["docs/programs.md", ...sources],
  {
    enough: (blocks) => {
      expect(blocks.some((b) => b.where.startsWith("docs/"))).toBe(true);
      expect(blocks.filter((b) => b.where.startsWith("src/")).length).toBeGreaterThanOrEqual(5);
    },
    importsKit: true,
  },
);
