// The shared test setup (test/setup.ts) turns an unhandled rejection or an
// uncaught exception into a failure of the test that caused it. Shown by
// running a fixture project in a child vitest and reading its JSON report.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const fixture = fileURLToPath(new URL("../../test/fixtures/unhandled", import.meta.url));
const vitestBin = join(
  dirname(createRequire(import.meta.url).resolve("vitest/package.json")),
  "vitest.mjs",
);

interface JsonReport {
  testResults: {
    assertionResults: { title: string; status: string; failureMessages: string[] }[];
  }[];
}

it("a stray rejection or exception fails exactly the test that caused it", () => {
  const child = spawnSync(
    process.execPath,
    [vitestBin, "run", "--root", fixture, "--reporter=json"],
    {
      encoding: "utf8",
      env: { ...process.env, FORCE_COLOR: "0" },
    },
  );
  expect(child.status).not.toBe(0);
  const start = child.stdout.indexOf("{");
  const report = JSON.parse(child.stdout.slice(start)) as JsonReport;
  const results = Object.fromEntries(
    report.testResults[0]!.assertionResults.map((r) => [r.title, r]),
  );
  expect(results["leaves an unhandled rejection"]!.status).toBe("failed");
  expect(results["leaves an unhandled rejection"]!.failureMessages.join("\n")).toContain(
    "nobody handles me",
  );
  expect(results["throws from a timer callback"]!.status).toBe("failed");
  expect(results["throws from a timer callback"]!.failureMessages.join("\n")).toContain(
    "thrown from a callback",
  );
  expect(results["is clean"]!.status).toBe("passed");
}, 60_000);
