// The core's folders are its layers: kernel, then primitives, then
// combinators, then the entries. The check that enforces it runs in the
// test command (scripts/check-layers.mjs); here it is shown to hold on the
// real sources and to fail on the imports it forbids.
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { checkLayers, readSources, valueImports } from "../../../scripts/check-layers.mjs";

describe("layers of @copse/core", () => {
  test("the sources have no upward value import and no import cycle", () => {
    const files = readSources(fileURLToPath(new URL("../src", import.meta.url)));
    expect(Object.keys(files)).toContain("kernel/task-impl.ts");
    expect(checkLayers(files)).toEqual([]);
  });

  test("a value import from the kernel into a primitive is reported", () => {
    const problems = checkLayers({
      "kernel/runtime.ts": 'import { sleep } from "../primitives/sleep.js";\n',
      "primitives/sleep.ts": "export const sleep = 1;\n",
    });
    expect(problems).toEqual([
      "kernel/runtime.ts imports primitives/sleep.ts: a value import from a lower layer (kernel) to a higher one (primitives)",
    ]);
  });

  test("type-only imports may point upward", () => {
    const files = {
      "kernel/runtime.ts":
        'import type { Sleep } from "../primitives/sleep.js";\nimport { type Other } from "../primitives/sleep.js";\n',
      "primitives/sleep.ts": "export type Sleep = 1; export type Other = 2;\n",
    };
    expect(checkLayers(files)).toEqual([]);
    expect(valueImports('import { a, type B } from "./x.js";')).toEqual(["./x.js"]);
  });

  test("a cycle of value imports is reported", () => {
    const problems = checkLayers({
      "kernel/a.ts": 'import { b } from "./b.js";\n',
      "kernel/b.ts": 'export { a } from "./a.js";\n',
    });
    expect(problems).toEqual(["import cycle: kernel/a.ts -> kernel/b.ts -> kernel/a.ts"]);
  });

  test("a file outside the known folders is reported", () => {
    expect(checkLayers({ "misc/x.ts": "" })).toEqual([
      "misc/x.ts: its folder is not a known layer (kernel, primitives, sync, channel, combinators, .)",
    ]);
  });
});
