import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// One base for every package: tests import workspace packages from their
// sources (the "source" export condition), and one setup file turns any
// unhandled rejection or uncaught exception into a failure of the test that
// caused it.
export const shared = defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    setupFiles: [fileURLToPath(new URL("./test/setup.ts", import.meta.url))],
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
