// Reads vitest's JSON reports of a runtime leg into counts and a verdict.
import { existsSync, readFileSync } from "node:fs";
import { relative, sep } from "node:path";

/** The JSON report vitest wrote, or undefined when it wrote none. */
export function readReport(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

/**
 * Counts of a suite run: passed and failed tests, files that failed to
 * load, and passed tests per package folder (`packages/<name>`).
 */
export function suiteCounts(report, repoRoot) {
  const perPackage = new Map();
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let brokenFiles = 0;
  for (const file of report.testResults) {
    const [top, name] = relative(repoRoot, file.name).split(sep);
    const key = top === "packages" ? name : top;
    if (file.status === "failed" && file.assertionResults.every((t) => t.status !== "failed")) {
      brokenFiles++;
    }
    for (const test of file.assertionResults) {
      if (test.status === "passed") {
        passed++;
        perPackage.set(key, (perPackage.get(key) ?? 0) + 1);
      } else if (test.status === "failed") failed++;
      else skipped++;
    }
  }
  return { passed, failed, skipped, brokenFiles, perPackage };
}

/**
 * What the setup-guard fixture must show in every runtime: the shared setup
 * fails exactly the test that left an unhandled rejection and the one that
 * threw from a timer, each with its error, and passes the clean one.
 * Returns the problems found (none when the guard works).
 */
export function guardProblems(report) {
  if (report === undefined) return ["the setup-guard run wrote no report"];
  const tests = new Map(
    report.testResults.flatMap((file) => file.assertionResults.map((t) => [t.title, t])),
  );
  const expect = [
    ["leaves an unhandled rejection", "failed", "nobody handles me"],
    ["throws from a timer callback", "failed", "thrown from a callback"],
    ["is clean", "passed", undefined],
  ];
  const problems = [];
  for (const [title, status, message] of expect) {
    const test = tests.get(title);
    if (test === undefined) problems.push(`"${title}" did not run`);
    else if (test.status !== status) problems.push(`"${title}" ${test.status}, expected ${status}`);
    else if (message !== undefined && !test.failureMessages.join("\n").includes(message)) {
      problems.push(`"${title}" failed without its error "${message}"`);
    }
  }
  return problems;
}
