// The test files that a runtime cannot run, each with the reason. Every
// other test file of the suites (selected by package folder and the
// packages' own globs) runs in every runtime. Paths are from the repository
// root; the runner fails when one no longer exists, so the list cannot rot.

const VM_REALM =
  "builds a browser-like realm with node:vm modules in a child `node --experimental-vm-modules`";
const V8_HEAP = "reads V8's heap after a forced gc, through node:v8 and node:vm";
const FILES = "writes modules next to the sources with node:fs and imports them";
const LAYERS = "reads the core's sources with node:fs to check the import graph (a build check)";

/** @type {Record<string, readonly (readonly [file: string, why: string])[]>} */
export const EXCLUDED = {
  node: [],
  // Deno runs the Node-only files too: its Node layer has node:vm, node:v8
  // and maps a spawn of `process.execPath` with Node's flags onto itself.
  deno: [],
  bun: [
    ["packages/core/test/browser-realm.test.ts", VM_REALM],
    ["packages/core/test/memory.test.ts", V8_HEAP],
    ["packages/core/test/sync-memory.test.ts", V8_HEAP],
  ],
  chromium: [
    ["packages/core/test/browser-realm.test.ts", VM_REALM],
    ["packages/core/test/memory.test.ts", V8_HEAP],
    ["packages/core/test/sync-memory.test.ts", V8_HEAP],
    ["packages/core/test/layers.test.ts", LAYERS],
    ["packages/core/test/dual-install.test.ts", `copies the core's sources with node:fs`],
    ["packages/core/test/docs.test.ts", FILES],
    ["packages/timeout/test/docs.test.ts", FILES],
    ["packages/testing/test/docs-*.test.ts", FILES],
  ],
};
