#!/usr/bin/env node
// Runs the test suites of @copse/core, @copse/timeout and @copse/testing in
// every runtime JavaScript runs in, and prints one line per runtime:
//
//   pnpm test:runtimes [node] [node24] [bun] [deno] [chromium] [--runs N] [--verbose]
//
// Each runtime is a leg: vitest itself runs under that runtime (Node 24, Bun
// with --bun, Deno with `deno run`) and its worker processes are that
// runtime too; for Chromium, vitest runs under this Node and its browser
// mode drives Debian's chromium through playwright-core. Every leg runs the
// same test files (scripts/runtimes/vitest.config.mjs), less what
// scripts/runtimes/excluded.mjs lists, with the property tests at `--runs`
// (default 1000) runs, then the setup-guard fixture, which shows that a
// stray rejection fails its test in that runtime too. A missing runtime is
// installed first (binaries.mjs). Exits non-zero if any leg fails.
import { spawn } from "node:child_process";
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { chromiumBinary, pinnedBinary, versionOf } from "./runtimes/binaries.mjs";
import { EXCLUDED } from "./runtimes/excluded.mjs";
import { guardProblems, readReport, suiteCounts } from "./runtimes/report.mjs";

const root = join(import.meta.dirname, "..");
const config = join(import.meta.dirname, "runtimes", "vitest.config.mjs");
const vitest = join(
  dirname(createRequire(import.meta.url).resolve("vitest/package.json")),
  "vitest.mjs",
);
const SUITES = ["core", "timeout", "testing"];
/** A leg that runs longer than this is stopped and fails. */
const LEG_TIMEOUT_MS = 15 * 60_000;

/**
 * The legs. `runtime` is what ./runtimes/identity.mjs checks inside the
 * tests; `host` and `argv` start vitest.
 */
const LEGS = {
  node: {
    runtime: "node",
    label: "(this machine's)",
    binary: () => process.execPath,
    argv: () => [vitest],
  },
  node24: { runtime: "node", binary: () => pinnedBinary("node24"), argv: () => [vitest] },
  bun: { runtime: "bun", binary: () => pinnedBinary("bun"), argv: () => ["--bun", vitest] },
  deno: {
    runtime: "deno",
    binary: () => pinnedBinary("deno"),
    argv: () => ["run", "--allow-all", vitest],
    env: { DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
  },
  chromium: {
    runtime: "chromium",
    binary: chromiumBinary,
    host: () => process.execPath,
    argv: () => [vitest],
  },
};

function parseArgs(args) {
  const legs = [];
  let runs = "1000";
  let verbose = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--runs") {
      runs = args[++i];
      if (!/^[1-9]\d*$/.test(runs ?? "")) fail(`--runs needs a positive integer, got ${runs}`);
    } else if (a === "--verbose") verbose = true;
    else if (a in LEGS) legs.push(a);
    else fail(`unknown runtime ${a}; the runtimes are ${Object.keys(LEGS).join(", ")}`);
  }
  return { legs: legs.length > 0 ? legs : Object.keys(LEGS), runs, verbose };
}

function fail(message) {
  console.error(`runtimes: ${message}`);
  process.exit(2);
}

/** Every entry of the exclusion list names test files that exist. */
function staleExclusions() {
  const stale = [];
  for (const [runtime, entries] of Object.entries(EXCLUDED)) {
    for (const [file] of entries) {
      const pattern = new RegExp(`^${basename(file).replace(/\./g, "\\.").replace(/\*/g, ".*")}$`);
      const dir = join(root, dirname(file));
      if (!existsSync(dir) || !readdirSync(dir).some((f) => pattern.test(f))) {
        stale.push(`${file} (${runtime})`);
      }
    }
  }
  return stale;
}

/** Runs vitest for a leg; resolves with its exit code, its output going to `log`. */
function runVitest(leg, binary, vitestArgs, env, log, verbose) {
  return new Promise((resolve) => {
    const host = leg.host?.() ?? binary;
    const child = spawn(host, [...leg.argv(), "run", "--config", config, ...vitestArgs], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream.pipe(log, { end: false });
      if (verbose) stream.pipe(process.stderr, { end: false });
    }
    const timer = setTimeout(() => {
      log.write(`\nruntimes: stopped after ${LEG_TIMEOUT_MS / 60_000} minutes\n`);
      process.kill(-child.pid, "SIGKILL");
    }, LEG_TIMEOUT_MS);
    child.on("error", (error) => {
      log.write(`\nruntimes: could not start ${host}: ${error.message}\n`);
      clearTimeout(timer);
      resolve(-1);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? -1 : 0));
    });
  });
}

async function runLeg(id, runs, verbose, workDir) {
  const leg = LEGS[id];
  const started = performance.now();
  const binary = leg.binary();
  const version = versionOf(binary);
  const name = `${leg.runtime} ${version}${leg.label ? ` ${leg.label}` : ""}`;
  console.log(`runtimes: ${name}: running the ${SUITES.join(", ")} suites…`);
  const env = {
    ...process.env,
    ...leg.env,
    ...(leg.runtime === "chromium" ? { COPSE_CHROMIUM: binary } : {}),
    FC_RUNS: runs,
    COPSE_RUNTIME: leg.runtime,
    COPSE_RUNTIME_VERSION: version,
    FORCE_COLOR: "0",
  };
  const logFile = join(workDir, `${id}.log`);
  const log = createWriteStream(logFile);
  const suiteJson = join(workDir, `${id}.json`);
  const guardJson = join(workDir, `${id}-guard.json`);
  const reporters = (file) => ["--reporter=dot", "--reporter=json", `--outputFile.json=${file}`];
  const code = await runVitest(
    leg,
    binary,
    [...SUITES.flatMap((s) => ["--project", s]), ...reporters(suiteJson)],
    env,
    log,
    verbose,
  );
  await runVitest(
    leg,
    binary,
    ["--project", "setup-guard", ...reporters(guardJson)],
    env,
    log,
    verbose,
  );
  await new Promise((resolve) => log.end(resolve));

  const problems = [];
  const report = readReport(suiteJson);
  const counts = report && suiteCounts(report, root);
  if (counts === undefined) problems.push("vitest wrote no report");
  else {
    if (counts.brokenFiles > 0) problems.push(`${counts.brokenFiles} test file(s) failed to run`);
    if (counts.skipped > 0) problems.push(`${counts.skipped} test(s) skipped`);
    if (counts.passed === 0) problems.push("no test ran");
    if (code !== 0 && counts.failed === 0) problems.push(`vitest exited with ${code}`);
  }
  const guard = guardProblems(readReport(guardJson));
  problems.push(...guard.map((p) => `setup guard: ${p}`));
  const ok = problems.length === 0 && counts.failed === 0;
  const seconds = Math.round((performance.now() - started) / 1000);
  const packages = counts
    ? SUITES.map((s) => `${s} ${counts.perPackage.get(s) ?? 0}`).join(", ")
    : "";
  const line =
    `runtimes: ${ok ? "ok  " : "FAIL"} ${name}: ${counts?.passed ?? 0} passed, ${counts?.failed ?? 0} failed` +
    ` (${packages}; setup guard ${guard.length === 0 ? "ok" : "broken"}; ${seconds} s)` +
    (problems.length > 0 ? `; ${problems.join("; ")}` : "");
  if (!ok && !verbose) {
    console.log(`runtimes: output of the ${name} leg:\n${readFileSync(logFile, "utf8")}`);
  }
  console.log(line);
  // A leg that broke without a failed test still counts as one failure.
  const failed = counts?.failed || (ok ? 0 : 1);
  return { ok, line, passed: counts?.passed ?? 0, failed };
}

async function main() {
  const { legs, runs, verbose } = parseArgs(process.argv.slice(2));
  const stale = staleExclusions();
  if (stale.length > 0) {
    fail(
      `scripts/runtimes/excluded.mjs names test files that do not exist: ${stale.join(", ")}; update the list`,
    );
  }
  const workDir = mkdtempSync(join(tmpdir(), "copse-runtimes-"));
  const results = [];
  try {
    for (const id of legs) {
      try {
        results.push(await runLeg(id, runs, verbose, workDir));
      } catch (error) {
        const line = `runtimes: FAIL ${id}: ${error instanceof Error ? error.message : String(error)}`;
        console.log(line);
        results.push({ ok: false, line, passed: 0, failed: 1 });
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  console.log("");
  for (const r of results) console.log(r.line);
  const passed = results.reduce((sum, r) => sum + r.passed, 0);
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  console.log(`runtimes: ${passed} passed, ${failed} failed`);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}

await main();
