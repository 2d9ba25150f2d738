// The vitest projects of one runtime leg of scripts/runtimes.mjs: the suites
// of @copse/core, @copse/timeout and @copse/testing with each package's own
// config (globs, shared setup, `source` condition), less the files
// ./excluded.mjs lists for that runtime, plus ./identity.mjs; and the
// setup-guard fixture. For Chromium every project runs in vitest's browser
// mode, through playwright-core, in Debian's chromium.
//
// The runner sets COPSE_RUNTIME (node, bun, deno or chromium),
// COPSE_RUNTIME_VERSION and, for Chromium, COPSE_CHROMIUM (its path).
import { URL, fileURLToPath } from "node:url";
import { playwright } from "@vitest/browser-playwright";
import { configDefaults, defineConfig, mergeConfig } from "vitest/config";
import core from "../../packages/core/vitest.config.ts";
import testing from "../../packages/testing/vitest.config.ts";
import timeout from "../../packages/timeout/vitest.config.ts";
import guard from "../../test/fixtures/unhandled/vitest.config.ts";
import { EXCLUDED } from "./excluded.mjs";

const runtime = process.env.COPSE_RUNTIME ?? "node";
const excluded = EXCLUDED[runtime];
if (excluded === undefined) throw new Error(`COPSE_RUNTIME: no runtime named ${runtime}`);

// Flags for a chromium on a closed network: without the networking ones it
// keeps trying to reach Google's hosts. Playwright adds --headless and, as
// root, --no-sandbox, and gives each launch a fresh --user-data-dir.
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const browser = () => ({
  enabled: true,
  headless: true,
  screenshotFailures: false,
  provider: playwright({
    launchOptions: { executablePath: process.env.COPSE_CHROMIUM, args: CHROMIUM_FLAGS },
  }),
  instances: [{ browser: "chromium" }],
});

// A page has no process.env: these reach it as import.meta.env.
const pageEnv = () =>
  Object.fromEntries(
    ["FC_RUNS", "FC_SEED", "COPSE_RUNTIME", "COPSE_RUNTIME_VERSION"]
      .filter((name) => process.env[name] !== undefined)
      .map((name) => [name, process.env[name]]),
  );

function project(config, dir) {
  const prefix = `${dir}/`;
  return mergeConfig(config, {
    root: fileURLToPath(new URL(`../../${dir}`, import.meta.url)),
    test: {
      exclude: [
        ...configDefaults.exclude,
        ...excluded
          .filter(([file]) => file.startsWith(prefix))
          .map(([file]) => file.slice(prefix.length)),
      ],
      setupFiles: [fileURLToPath(new URL("./identity.mjs", import.meta.url))],
      ...(runtime === "chromium" ? { env: pageEnv(), browser: browser() } : {}),
    },
  });
}

export default defineConfig({
  test: {
    projects: [
      project(core, "packages/core"),
      project(timeout, "packages/timeout"),
      project(testing, "packages/testing"),
      mergeConfig(project(guard, "test/fixtures/unhandled"), { test: { name: "setup-guard" } }),
    ],
  },
});
